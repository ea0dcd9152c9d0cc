/**
 * The shim's command line as containerd writes it, in Go's flag syntax:
 * `-namespace NS -address SOCK -publish-binary BIN -id ID [-bundle DIR] [-debug] start|delete`.
 * Unknown flags are refused by name, so that a containerd speaking a newer protocol shows up clearly.
 */
export interface ShimFlags {
  namespace: string;
  address: string;
  publishBinary: string;
  id: string;
  bundle: string;
  debug: boolean;
  socket: string;
  action: string;
}

const VALUED: Record<string, keyof ShimFlags> = {
  namespace: 'namespace', address: 'address', 'publish-binary': 'publishBinary', id: 'id', bundle: 'bundle', socket: 'socket',
};

export function parseShimFlags(argv: string[]): ShimFlags {
  const flags: ShimFlags = { namespace: '', address: '', publishBinary: '', id: '', bundle: '', debug: false, socket: '', action: '' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('-')) {
      if (flags.action) throw new Error(`unexpected argument "${arg}" after action ${flags.action}`);
      flags.action = arg;
      continue;
    }
    let name = arg.replace(/^--?/, '');
    let value: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) { value = name.slice(eq + 1); name = name.slice(0, eq); }
    if (name === 'debug') { flags.debug = value === undefined || value === 'true'; continue; }
    const field = VALUED[name];
    if (!field) throw new Error(`flag provided but not defined: -${name}`);
    value ??= argv[++i];
    if (value === undefined) throw new Error(`flag needs an argument: -${name}`);
    (flags as unknown as Record<string, string>)[field] = value;
  }
  return flags;
}
