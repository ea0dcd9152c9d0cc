import type { CommandArgs, CommandContext } from '../cli/command-context.ts';
import { TsrunError } from '../cli/errors.ts';
import type { CreateOptions } from '../container/create-container.ts';

/** The flags create and run share, as runc spells them. */
export function createOptionsFrom(ctx: CommandContext, values: CommandArgs['values'], id: string): Omit<CreateOptions, 'foreground'> {
  const preserve = values['preserve-fds'];
  if (preserve !== undefined && !/^\d+$/.test(String(preserve))) throw new TsrunError(`--preserve-fds: ${JSON.stringify(preserve)} is not a whole number`);
  return {
    store: ctx.store(),
    id,
    bundle: values.bundle as string | undefined,
    pidFile: values['pid-file'] as string | undefined,
    consoleSocket: values['console-socket'] as string | undefined,
    noPivot: values['no-pivot'] === true,
    noNewKeyring: values['no-new-keyring'] === true,
    preserveFds: preserve === undefined ? 0 : Number(preserve),
    logger: ctx.logger,
  };
}
