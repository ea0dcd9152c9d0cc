/** The lazy command table agrees with the command modules, and the command word is found as yargs would find it. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { commandNamedBy, commandTable } from './commands.ts';

describe('command table', () => {
  test('the words of each entry are its module\'s command name and aliases', async () => {
    for (const entry of commandTable) {
      const command = await entry.load();
      const name = String(command.command).split(' ')[0];
      const aliases = command.aliases === undefined ? [] : [command.aliases].flat();
      assert.deepEqual(entry.words, [name, ...aliases]);
    }
  });

  test('the command word is found behind global options and their values', () => {
    const word = (argv: string[]) => {
      const found = commandNamedBy(argv);
      return found && argv[found.index];
    };
    assert.equal(word(['unpack', 'img', 'b']), 'unpack');
    assert.equal(word(['--root', 'pull', 'ls']), 'ls');
    assert.equal(word(['--root=/x', '-q', 'rmi', 'a']), 'rmi');
    assert.equal(word(['--format', 'json', '--insecure', 'false', 'images']), 'images');
    assert.equal(word(['--help']), undefined);
    assert.equal(word(['unpak']), undefined);
    assert.equal(word(['--', 'unpack']), undefined);
  });

  test('the built bundle runs a command and lists all of them', { skip: !existsSync('dist/tsimg.cjs') && 'dist/tsimg.cjs not built' }, () => {
    const cli = join(process.cwd(), 'dist', 'tsimg.cjs');
    const help = spawnSync(process.execPath, [cli, '--help'], { encoding: 'utf8' });
    assert.equal(help.status, 0, help.stderr);
    for (const entry of commandTable) assert.match(help.stdout, new RegExp(`tsimg ${entry.words[0]}\\b`));
    const unpackHelp = spawnSync(process.execPath, [cli, 'unpack', '--help'], { encoding: 'utf8' });
    assert.match(unpackHelp.stdout, /^tsimg unpack <image> <bundle> \[args\.\.\]/);
    const typo = spawnSync(process.execPath, [cli, 'unpak'], { encoding: 'utf8' });
    assert.equal(typo.status, 2);
    assert.match(typo.stderr, /Did you mean unpack\?/);
  });
});
