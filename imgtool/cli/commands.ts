/** Every tsimg command, in the order `tsimg --help` lists them. Adding a command is one line here. */
import type { CommandModule } from 'yargs';
import { copyCommand, exportCommand, importCommand } from '../commands/copy.ts';
import { gcCommand } from '../commands/gc.ts';
import { imagesCommand } from '../commands/images.ts';
import { inspectCommand } from '../commands/inspect.ts';
import { loginCommand, logoutCommand } from '../commands/login.ts';
import { pullCommand } from '../commands/pull.ts';
import { pushCommand } from '../commands/push.ts';
import { rmCommand } from '../commands/rm.ts';
import { rmBundleCommand } from '../commands/rm-bundle.ts';
import { unmountCommand } from '../commands/unmount.ts';
import { unpackCommand } from '../commands/unpack.ts';
import { tagCommand } from '../commands/tag.ts';
import type { GlobalOptions } from './global-options.ts';

// Each module types its own arguments; yargs only needs them as command modules.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<GlobalOptions, any>[] = [pullCommand, pushCommand, unpackCommand, unmountCommand, rmBundleCommand, imagesCommand, inspectCommand, tagCommand, rmCommand, gcCommand, copyCommand, importCommand, exportCommand, loginCommand, logoutCommand];
