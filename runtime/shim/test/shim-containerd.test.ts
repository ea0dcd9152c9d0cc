/**
 * containerd-shim-tsrun-v2 under Debian's containerd 1.6, driven with ctr as a user would:
 * `--runtime io.containerd.tsrun.v2`. containerd, the shims and the containers all run under a
 * temp dir (see shim-env.ts) and are checked gone at the end. Root and containerd required.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { IMAGE, leftovers, startShimEnv, type ShimEnv } from './shim-env.ts';
import { startContainerd } from '../../test/clients/daemons.ts';
import { join } from 'node:path';

const TSRUN_RT = 'io.containerd.tsrun.v2';
const RUNC_RT = 'io.containerd.runc.v2';
const canRun = process.getuid?.() === 0 && spawnSync('containerd', ['--version']).status === 0;

let seq = 0;
const name = (what: string) => `${what}-${process.pid}-${++seq}`;

describe('containerd-shim-tsrun-v2 with containerd 1.6', { skip: !canRun && 'needs root and containerd' }, () => {
  let env: ShimEnv;
  const run = (rt: string, id: string, args: string[], flags: string[] = [], opts: { tty?: boolean } = {}) =>
    env.ctr(['run', ...flags, '--runtime', rt, '--cgroup', `/${env.cgroupParent}/${id}`, IMAGE, id, ...args], opts);
  const status = (id: string) => (new RegExp(`^${id}\\s+\\d+\\s+(\\w+)`, 'm').exec(env.ctr(['task', 'ls']).stdout)?.[1] ?? 'absent');
  const taskPid = (id: string) => Number(new RegExp(`^${id}\\s+(\\d+)`, 'm').exec(env.ctr(['task', 'ls']).stdout)?.[1] ?? 0);
  const removeAll = (id: string) => { env.ctr(['task', 'rm', '-f', id]); env.ctr(['container', 'rm', id]); };
  const waitStatus = async (id: string, want: string) => {
    for (let i = 0; i < 100 && status(id) !== want; i++) await new Promise((r) => setTimeout(r, 100));
    return status(id);
  };

  before(async () => { env = await startShimEnv('ctr'); });
  after(async () => {
    await env.stop();
    assert.deepEqual(leftovers(env), []);
  });

  test('ctr run --rm echo hi prints hi, with tsrun as with runc', () => {
    for (const rt of [TSRUN_RT, RUNC_RT]) {
      const r = run(rt, name('hi'), ['echo', 'hi'], ['--rm']);
      assert.equal(r.stderr, '', rt);
      assert.equal(r.stdout, 'hi\n', rt);
      assert.equal(r.status, 0, rt);
    }
  });

  test('exit codes come back: a plain exit, and 128+signal for a task killed by a signal', async () => {
    for (const rt of [TSRUN_RT, RUNC_RT]) {
      assert.equal(run(rt, name('exit'), ['sh', '-c', 'exit 7'], ['--rm']).status, 7, rt);
      const id = name('sig');
      assert.equal(run(rt, id, ['sleep', '1000'], ['-d']).status, 0);
      try {
        assert.equal(env.ctr(['task', 'kill', '-s', 'SIGKILL', id]).status, 0);
        assert.equal(await waitStatus(id, 'STOPPED'), 'STOPPED', rt);
        assert.match(env.ctr(['task', 'rm', id]).stderr, /exit code 137/, rt);
      } finally {
        removeAll(id);
      }
    }
  });

  test('stdin reaches the process and its end reaches it too (ctr closes it with CloseIO)', () => {
    const id = name('stdin');
    const r = spawnSync('ctr', ['-a', join(env.dir, 'containerd/containerd.sock'), '-n', 'tsrun-test', 'run', '--rm', '--runtime', TSRUN_RT,
      '--cgroup', `/${env.cgroupParent}/${id}`, IMAGE, id, 'sh', '-c', 'wc -l'], { input: 'one\ntwo\nthree\n', encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.stdout.trim(), '3', r.stderr);
    assert.equal(r.status, 0);
  });

  test('-t gives the process a terminal, as with runc', () => {
    const out: Record<string, string> = {};
    for (const rt of [TSRUN_RT, RUNC_RT]) {
      const r = run(rt, name('tty'), ['sh', '-c', 'tty; stty -a | head -1; exit 5'], ['--rm', '-t'], { tty: true });
      assert.equal(r.status, 5, `${rt}: ${r.stderr}`);
      assert.match(r.stdout, /\/dev\/pts\/\d+\r/, rt);
      assert.match(r.stdout, /speed \d+ baud/, rt);
      out[rt] = r.stdout;
    }
    assert.equal(out[TSRUN_RT], out[RUNC_RT]);
  });

  test('run -d, then exec (plain and -t), ps, pause/resume, metrics, kill and delete', async () => {
    const id = name('detached');
    assert.equal(run(TSRUN_RT, id, ['sleep', '1000'], ['-d']).status, 0);
    try {
      assert.equal(status(id), 'RUNNING');
      const pid = taskPid(id);
      assert.ok(pid > 0 && existsSync(`/proc/${pid}`), 'the task pid is a live process on the host');

      const exec = env.ctr(['task', 'exec', '--exec-id', 'e1', id, 'sh', '-c', 'echo from-exec; exit 3']);
      assert.equal(exec.stdout, 'from-exec\n');
      assert.equal(exec.status, 3);
      const execTty = env.ctr(['task', 'exec', '-t', '--exec-id', 'e2', id, 'tty'], { tty: true });
      assert.match(execTty.stdout, /\/dev\/pts\/\d+\r/);
      assert.equal(execTty.status, 0);

      const ps = env.ctr(['task', 'ps', id]);
      assert.equal(ps.status, 0, ps.stderr);
      assert.match(ps.stdout, new RegExp(`^${pid}\\b`, 'm'), 'ps lists the task\'s init');

      assert.equal(env.ctr(['task', 'pause', id]).status, 0);
      assert.equal(status(id), 'PAUSED');
      assert.equal(readFileSync(`/proc/${pid}/status`, 'utf8').match(/^State:\s+(\w)/m)?.[1], 'D', 'a frozen process sleeps uninterruptibly');
      assert.equal(env.ctr(['task', 'resume', id]).status, 0);
      assert.equal(status(id), 'RUNNING');

      const metrics = env.ctr(['task', 'metrics', id]);
      assert.equal(metrics.status, 0, metrics.stderr);
      assert.match(metrics.stdout, /memory\.usage_in_bytes\s+[1-9]\d*/);
      assert.match(metrics.stdout, /pids\.current\s+1\b/);

      // sleep as the namespace's pid 1 has no handler for SIGTERM: only SIGKILL ends it.
      assert.equal(env.ctr(['task', 'kill', '-s', 'SIGKILL', id]).status, 0);
      assert.equal(await waitStatus(id, 'STOPPED'), 'STOPPED');
      const rm = env.ctr(['task', 'rm', id]);
      assert.equal(rm.status, 0, rm.stderr);
      assert.equal(status(id), 'absent');
      assert.ok(!existsSync(`/proc/${pid}`));
      assert.equal(env.ctr(['container', 'rm', id]).status, 0);
    } finally {
      removeAll(id);
    }
  });

  test('an OOM kill is published as /tasks/oom for the container, before its /tasks/exit, as with runc', async () => {
    const { spawn } = await import('node:child_process');
    const events = spawn('ctr', ['-a', join(env.dir, 'containerd/containerd.sock'), 'events'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let lines = '';
    events.stdout.on('data', (b: Buffer) => { lines += b.toString(); });
    try {
      await new Promise((r) => setTimeout(r, 300)); // ctr events subscribes before the runs
      for (const rt of [TSRUN_RT, RUNC_RT]) {
        const id = name('oom');
        // dd's 64 MiB buffer cannot fit under a 16 MiB limit (no swap here): the OOM killer takes dd, the init.
        const r = run(rt, id, ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=64M', 'count=1'], ['--rm', '--memory-limit', String(16 * 2 ** 20)]);
        assert.equal(r.status, 137, `${rt}: ${r.stderr}`);
        const mine = () => lines.split('\n').filter((l) => l.includes(`"${id}"`) || l.includes(`"container_id":"${id}"`));
        for (let i = 0; i < 50 && !mine().some((l) => / \/tasks\/delete /.test(l)); i++) await new Promise((res) => setTimeout(res, 100));
        const topics = mine().map((l) => / (\/tasks\/[\w-]+) /.exec(l)?.[1]).filter(Boolean);
        assert.ok(topics.includes('/tasks/oom'), `${rt}: /tasks/oom among ${topics.join(' ')}`);
        assert.ok(topics.indexOf('/tasks/oom') < topics.indexOf('/tasks/exit'), `${rt}: oom before exit: ${topics.join(' ')}`);
      }
      // A kill of another process while the task runs on is reported too (the shim's periodic look).
      for (const rt of [TSRUN_RT, RUNC_RT]) {
        const id = name('oomrun');
        assert.equal(run(rt, id, ['sh', '-c', 'dd if=/dev/zero of=/dev/null bs=64M count=1; sleep 1000'], ['-d', '--memory-limit', String(16 * 2 ** 20)]).status, 0);
        try {
          const oom = () => lines.split('\n').some((l) => l.includes('/tasks/oom') && l.includes(`"${id}"`));
          for (let i = 0; i < 50 && !oom(); i++) await new Promise((res) => setTimeout(res, 100));
          assert.ok(oom(), `${rt}: /tasks/oom while the task runs`);
          assert.equal(status(id), 'RUNNING', rt);
        } finally {
          removeAll(id);
        }
      }
    } finally {
      events.kill();
    }
  });

  test('--log-uri file://: stdout and stderr appended to the file (its directory made), as with runc', () => {
    for (const rt of [TSRUN_RT, RUNC_RT]) {
      // The runc shim (the reference, run for comparison) now and then loses a stream of a --rm task
      // (CI saw err1 missing from its file once); it gets one more try with a fresh file. Ours gets none.
      let sections: string[][] = [];
      for (let attempt = 0; attempt < (rt === RUNC_RT ? 2 : 1); attempt++) {
        const file = join(env.dir, 'logs', rt, `sub${attempt}`, 'out.log');
        for (const n of [1, 2]) {
          const r = run(rt, name('logfile'), ['sh', '-c', `echo out${n}; echo err${n} >&2`], ['--rm', '--log-uri', `file://${file}`]);
          assert.equal(r.status, 0, `${rt}: ${r.stderr}`);
          assert.equal(r.stdout, '', `${rt}: nothing reaches ctr itself`);
        }
        // Appended run after run; within a run the runc shim copies the two streams apart, so their order varies.
        const lines = readFileSync(file, 'utf8').split('\n');
        sections = [lines.slice(0, 2).sort(), lines.slice(2, 4).sort(), lines.slice(4)];
        if (JSON.stringify(sections) === JSON.stringify([['err1', 'out1'], ['err2', 'out2'], ['']])) break;
      }
      assert.deepEqual(sections, [['err1', 'out1'], ['err2', 'out2'], ['']], rt);
    }
  });

  test('--log-uri binary://: the logging binary gets stdout on fd 3, stderr on fd 4, readiness on fd 5, the query as args, the id and namespace', async () => {
    const logger = join(env.dir, 'logger.sh');
    // Ready before it reads (the shim waits for fd 5 to close before the process starts); it reads
    // the two streams one after the other to their end (the pipes hold this little), and a SIGTERM
    // from the shim after the process exited must not cut that short.
    writeFileSync(logger, [
      '#!/bin/sh',
      "trap '' TERM",
      'echo "$@" > "$2/$CONTAINER_ID.args"',
      'echo "id=$CONTAINER_ID ns=$CONTAINER_NAMESPACE" > "$2/$CONTAINER_ID.env"',
      'exec 5>&-',
      'cat <&3 > "$2/$CONTAINER_ID.out"',
      'cat <&4 > "$2/$CONTAINER_ID.err"',
    ].join('\n'), { mode: 0o755 });
    for (const rt of [TSRUN_RT, RUNC_RT]) {
      const dir = join(env.dir, 'binlogs', rt.replace(/\W/g, '-'));
      mkdirSync(dir, { recursive: true });
      let id = '';
      const file = (ext: string) => { try { return readFileSync(join(dir, `${id}.${ext}`), 'utf8'); } catch { return ''; } };
      // The runc shim (the reference, run for comparison) now and then hands its logger no output at
      // all (seen in about one run of five here, cause not found); it gets one more try. Ours gets none.
      for (let attempt = 0; attempt < (rt === RUNC_RT ? 2 : 1); attempt++) {
        id = name('logbin');
        const r = run(rt, id, ['sh', '-c', 'echo to-out; echo to-err >&2'], ['--rm', '--log-uri', `binary://${logger}?dir=${dir}&x`]);
        assert.equal(r.status, 0, `${rt}: ${r.stderr}`);
        for (let i = 0; i < 50 && (file('out') !== 'to-out\n' || file('err') !== 'to-err\n'); i++) await new Promise((res) => setTimeout(res, 100));
        if (file('out') === 'to-out\n') break;
      }
      assert.equal(file('out'), 'to-out\n', rt);
      assert.equal(file('err'), 'to-err\n', rt);
      assert.equal(file('env'), `id=${id} ns=tsrun-test\n`, rt);
      assert.equal(file('args'), `dir ${dir} x \n`, `${rt}: a key without a value comes with an empty argument`);
    }
  });

  test('wrong requests get errors that name the task: exec in a missing task, kill of a stopped one', async () => {
    const id = name('errors');
    assert.equal(run(TSRUN_RT, id, ['true'], ['-d']).status, 0);
    try {
      assert.equal(await waitStatus(id, 'STOPPED'), 'STOPPED');
      const exec = env.ctr(['task', 'exec', '--exec-id', 'x', id, 'true']);
      assert.notEqual(exec.status, 0);
      assert.match(exec.stderr, new RegExp(`Exec ${id}: the task has stopped`));
      const kill = env.ctr(['task', 'kill', '-s', 'SIGKILL', id]);
      assert.notEqual(kill.status, 0);
      assert.match(kill.stderr, /process already finished/);
    } finally {
      removeAll(id);
    }
  });

  test('one shim process serves every container of the namespace', () => {
    const ids = [name('group'), name('group')];
    try {
      for (const id of ids) assert.equal(run(TSRUN_RT, id, ['sleep', '1000'], ['-d']).status, 0);
      assert.equal(env.shimPids().length, 1);
    } finally {
      for (const id of ids) removeAll(id);
    }
  });

  test('50 containers with ctr run --rm in parallel all succeed', async () => {
    const { spawn } = await import('node:child_process');
    const sock = join(env.dir, 'containerd/containerd.sock');
    const one = (i: number) => new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const id = name(`par${i}`);
      const c = spawn('ctr', ['-a', sock, '-n', 'tsrun-test', 'run', '--rm', '--runtime', TSRUN_RT, '--cgroup', `/${env.cgroupParent}/${id}`, IMAGE, id, 'echo', `n${i}`], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '', err = '';
      c.stdout.on('data', (b: Buffer) => { out += b; });
      c.stderr.on('data', (b: Buffer) => { err += b; });
      c.on('close', (code) => resolve({ code, out, err }));
    });
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => one(i)));
    const failed = results.map((r, i) => ({ ...r, i })).filter((r) => r.code !== 0 || r.out !== `n${r.i}\n`);
    assert.deepEqual(failed, []);
    assert.equal(env.ctr(['task', 'ls', '-q']).stdout.trim(), '');
  });

  test('containerd restarted finds the running shim and its task again', async () => {
    const id = name('restart');
    assert.equal(run(TSRUN_RT, id, ['sleep', '1000'], ['-d']).status, 0);
    try {
      const pid = taskPid(id);
      await env.daemon.stop();
      const saved = process.env.PATH;
      process.env.PATH = `${join(env.dir, 'bin')}:${saved}`;
      process.env.TSRUN_SHIM_ROOT = env.shimRoot;
      try {
        env.daemon = await startContainerd(join(env.dir, 'containerd'));
      } finally {
        process.env.PATH = saved;
        delete process.env.TSRUN_SHIM_ROOT;
      }
      env.ctr = env.daemon.cli;
      assert.equal(status(id), 'RUNNING');
      assert.equal(taskPid(id), pid);
      assert.equal(env.ctr(['task', 'exec', '--exec-id', 'after', id, 'echo', 'still here']).stdout, 'still here\n');
      assert.equal(env.ctr(['task', 'kill', '-s', 'SIGKILL', id]).status, 0);
      assert.equal(await waitStatus(id, 'STOPPED'), 'STOPPED');
    } finally {
      removeAll(id);
    }
  });

  test('a shim that dies is cleaned up after by containerd through `shim delete`: container, mounts and cgroups go', async () => {
    const id = name('deadshim');
    assert.equal(run(TSRUN_RT, id, ['sleep', '1000'], ['-d']).status, 0);
    try {
      const pid = taskPid(id);
      const shims = env.shimPids();
      assert.equal(shims.length, 1);
      process.kill(shims[0]!, 'SIGKILL');
      const mounted = () => readFileSync('/proc/self/mountinfo', 'utf8').includes(`/${id}/rootfs`);
      for (let i = 0; i < 100 && (existsSync(`/proc/${pid}`) || mounted()); i++) await new Promise((r) => setTimeout(r, 100));
      assert.ok(!existsSync(`/proc/${pid}`), 'containerd\'s clean-up (shim delete) killed the container');
      assert.ok(!mounted(), 'the rootfs is unmounted');
      assert.notEqual(status(id), 'RUNNING');
    } finally {
      removeAll(id);
    }
  });
});
