/** Runs the tsimg CLI from source, as a user would, and returns its exit code and output. */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const main = join(dirname(fileURLToPath(import.meta.url)), '..', 'cli', 'main.ts');
// Resolved here, so that a test may run tsimg from any working directory.
const TSX = import.meta.resolve('tsx');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runTsimg(args: string[], env: Record<string, string> = {}, stdin?: string, cwd?: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, main, ...args], { env: { ...process.env, TSIMG_RETRY_BACKOFF_MS: '10', ...env }, stdio: ['pipe', 'pipe', 'pipe'], cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}
