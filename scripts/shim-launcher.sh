#!/bin/sh
# containerd-shim-tsrun-v2 (dist/containerd-shim-tsrun-v2): containerd runs the shim binary twice
# for every container, `start` before it and `delete` after it (containerd 1.6 waits for that
# delete), and a Node process costs ~70 ms each time. The two common cases need no Node:
#  - start, when the shim of the group already serves: print its address (runtime/shim/shim-paths.ts
#    names the socket the same way);
#  - delete, when the shim already deleted the container (no state left, rootfs not mounted):
#    nothing to clean, an empty DeleteResponse (all fields zero).
# Everything else (a pod's sandbox group, a first container, a real clean-up, the daemon) is Node.
# Written as the shim's entry by scripts/build-bundles.ts, which puts the node path in.
NODE=@NODE@
here=$(dirname "$(readlink -f "$0")")
action= ns= address= id= bundle=
prev=
for a in "$@"; do
	case "$prev" in
	-namespace|--namespace) ns=$a ;;
	-address|--address) address=$a ;;
	-id|--id) id=$a ;;
	-bundle|--bundle) bundle=$a ;;
	esac
	case "$a" in
	-debug|--debug) prev= ;;
	-*) prev=$a ;;
	*) [ -z "$prev" ] && action=$a; prev= ;;
	esac
done
root=${TSRUN_SHIM_ROOT:-/run/tsrun-shim}
# Node 20 parses NODE_EXTRA_CA_CERTS at start-up (~40 ms for a system bundle); the shim makes no TLS
# connection, so the variable is moved aside and put back for its children (as scripts/tsrun-loader.cjs).
slow() {
	[ -z "$NODE_EXTRA_CA_CERTS" ] || { export TSRUN_DEFERRED_CA_CERTS="$NODE_EXTRA_CA_CERTS"; unset NODE_EXTRA_CA_CERTS; }
	exec "$NODE" "$here/containerd-shim-tsrun-v2.cjs" "$@"
}

if [ "$action" = start ] && [ -f config.json ] && ! grep -q 'io.kubernetes.cri.sandbox-id' config.json; then
	hash=$(printf '%s\000%s\000' "$address" "$ns" | sha256sum | cut -c1-24)
	sock=$root/s/$hash.sock
	idle=$root/s/$hash.idle
	if [ -S "$sock" ] && pid=$(cat "$root/s/$hash.pid" 2>/dev/null) \
		&& kill -0 "$pid" 2>/dev/null && tr '\0' '\n' <"/proc/$pid/cmdline" | grep -qxF -- "$sock"; then
		# An idle shim is claimed by taking its idle file away (it then counts down again rather
		# than exit); one that took it first is on its way out: leave that case to Node.
		# The answer as runtime/shim/start-answer.ts writes it: JSON for gRPC (containerd 1.7+, asked
		# for with TSRUN_SHIM_PROTOCOL=grpc), else the plain address; the address file is always plain.
		answer= grpc=${sock%.sock}.grpc.sock
		case "${TSRUN_SHIM_PROTOCOL:-ttrpc}" in
		ttrpc) answer="unix://$sock" ;;
		grpc) case "$grpc" in *[\\\"]*) ;; *) [ -S "$grpc" ] && answer=$(printf '{"version":2,"address":"unix://%s","protocol":"grpc"}' "$grpc") ;; esac ;;
		esac
		if [ -n "$answer" ] && { [ ! -e "$idle" ] || rm "$idle" 2>/dev/null; }; then
			printf 'unix://%s' "$sock" >address && printf '%s' "$answer" && exit 0
		fi
	fi
fi
if [ "$action" = delete ] && [ -n "$ns" ] && [ -n "$id" ]; then
	b=${bundle:-$PWD}
	case "$b$id$ns" in *[!A-Za-z0-9_./:-]*) slow "$@" ;; esac
	if [ ! -e "$root/state/$ns/$id" ] && ! grep -qF " $b/rootfs " /proc/self/mountinfo; then exit 0; fi
fi
slow "$@"
