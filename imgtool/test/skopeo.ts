/** skopeo, run without blocking the event loop (the token server the registry calls lives in the test process). */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export async function skopeo(args: string[]): Promise<string> {
  const { stdout } = await run('skopeo', args, { maxBuffer: 64 << 20 });
  return stdout;
}

/** `extra` carries --creds and the like; http is allowed, as the test registries are on 127.0.0.1. */
export async function skopeoInspect(image: string, raw = false, extra: string[] = []): Promise<Record<string, unknown>> {
  const tls = image.startsWith('docker://') ? ['--tls-verify=false'] : [];
  return JSON.parse(await skopeo(['inspect', ...tls, ...extra, ...(raw ? ['--raw'] : []), image])) as Record<string, unknown>;
}
