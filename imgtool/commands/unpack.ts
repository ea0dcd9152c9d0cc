import type { Argv, CommandModule } from 'yargs';
import { parseIdMap } from '../layer/id-map.ts';
import { defaultStoreRoot } from '../layout-reader/store-root.ts';

interface UnpackArgs {
  image: string;
  bundle: string;
  args?: string[];
  root?: string;
  overlay?: boolean;
  rootless?: boolean;
  'uid-map'?: string[];
  'gid-map'?: string[];
  env?: string[];
  cwd?: string;
  user?: string;
  tty?: boolean;
  hostname?: string;
  'max-layer-size'?: number;
  jobs?: number;
}

/** `tsimg unpack IMAGE BUNDLE [-- ARGS...]`: an OCI bundle (rootfs + config.json) from an image in the store. */
export const unpackCommand: CommandModule<object, UnpackArgs> = {
  command: 'unpack <image> <bundle> [args..]',
  describe: 'Make an OCI bundle (rootfs/ + config.json) from an image in the store',
  builder: (y: Argv) =>
    y
      .positional('image', { type: 'string', demandOption: true, describe: 'image name as stored (index.json ref name) or manifest digest' })
      .positional('bundle', { type: 'string', demandOption: true, describe: 'bundle directory to create (must not exist or be empty)' })
      .positional('args', { type: 'string', array: true, describe: 'command replacing the image Cmd (after --)' })
      .option('root', { type: 'string', describe: 'store root (default /var/lib/tsimg as root, $XDG_DATA_HOME/tsimg otherwise)' })
      .option('overlay', { type: 'boolean', describe: 'rootfs as an overlay of cached layers (default where overlayfs works); --no-overlay copies' })
      .option('rootless', { type: 'boolean', describe: 'unpack without root: no chown, no device nodes, rootless config.json' })
      .option('uid-map', { type: 'string', array: true, nargs: 1, describe: 'container:host:size, repeatable; files are owned by the mapped ids' })
      .option('gid-map', { type: 'string', array: true, nargs: 1, describe: 'container:host:size, repeatable' })
      .option('env', { alias: 'e', type: 'string', array: true, describe: 'KEY=VALUE added to or replacing the image Env' })
      .option('cwd', { type: 'string', describe: 'working directory instead of the image WorkingDir' })
      .option('user', { alias: 'u', type: 'string', describe: 'name, uid, user:group or uid:gid instead of the image User' })
      .option('tty', { alias: 't', type: 'boolean', describe: 'process.terminal: true' })
      .option('hostname', { type: 'string', describe: 'container hostname' })
      .option('max-layer-size', { type: 'number', describe: 'bytes one layer may expand to (default: free space where it is written)' })
      .option('jobs', { type: 'number', describe: 'layers extracted at once into the cache with --overlay (default: one per CPU, up to 4, for images over 16 MiB; 1: in order)' }) as unknown as Argv<UnpackArgs>,
  handler: async (argv) => {
    const { unpackImage } = await import('../bundle/unpack-image.ts');
    // yargs leaves words after `--` in argv._, behind the command name: they are the command too.
    const args = [...(argv.args ?? []).map(String), ...argv._.slice(1).map(String)];
    const started = process.hrtime.bigint();
    if (argv.jobs !== undefined && !(Number.isInteger(argv.jobs) && argv.jobs >= 1)) throw new Error(`--jobs ${argv.jobs}: expected a whole number of at least 1`);
    // Ctrl-C or a kill stops at the next chunk, so the failure path can unmount and remove what was made.
    const interrupt = new AbortController();
    const stop = () => interrupt.abort();
    process.once('SIGINT', stop).once('SIGTERM', stop);
    const result = await unpackImage({
      signal: interrupt.signal,
      storeRoot: argv.root ?? defaultStoreRoot(),
      image: argv.image,
      bundle: argv.bundle,
      overlay: argv.overlay,
      rootless: argv.rootless,
      uidMap: (argv['uid-map'] ?? []).map((m) => parseIdMap(m, '--uid-map')),
      gidMap: (argv['gid-map'] ?? []).map((m) => parseIdMap(m, '--gid-map')),
      maxLayerBytes: argv['max-layer-size'],
      jobs: argv.jobs,
      overrides: {
        args: args.length ? args : undefined,
        env: argv.env,
        cwd: argv.cwd,
        user: argv.user,
        tty: argv.tty,
        hostname: argv.hostname,
      },
    });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    process.stderr.write(`tsimg: unpacked ${argv.image} into ${result.bundle} (${result.mode}, ${result.layersExtracted} layer(s) extracted, ${ms.toFixed(0)} ms)\n`);
  },
};
