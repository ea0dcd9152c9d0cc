/**
 * tsimg login REGISTRY: checks the credentials against the registry (GET /v2/, answering its challenge)
 * and only then saves them (in the credential helper configured for the registry, else the auth file);
 * tsimg logout REGISTRY forgets them in both places.
 */
import { readFileSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import { type GlobalOptions, isInsecure } from '../cli/global-options.ts';
import { RegistryClient } from '../registry/client.ts';
import { helperErase, helperStore } from '../registry/credential-helper.ts';
import { configuredHelper, removeCredentials, saveCredentials, writableAuthFile } from '../registry/credentials.ts';

interface LoginArgs extends GlobalOptions {
  registry: string;
  username?: string;
  password?: string;
  'password-stdin'?: boolean;
}

/** docker.io is also written as its v1 URL or index.docker.io; store it under one key. */
function registryKey(input: string): string {
  const host = input.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host;
}

export const loginCommand: CommandModule<GlobalOptions, LoginArgs> = {
  command: 'login <registry>',
  describe: 'check and save credentials for a registry',
  builder: (y) =>
    y
      .positional('registry', { type: 'string', demandOption: true })
      .option('username', { alias: 'u', type: 'string', demandOption: true })
      .option('password', { alias: 'p', type: 'string', describe: 'the password (visible in ps; prefer --password-stdin)' })
      .option('password-stdin', { type: 'boolean', describe: 'read the password from standard input' })
      .conflicts('password', 'password-stdin'),
  handler: async (args) => {
    const registry = registryKey(args.registry);
    let password = args.password;
    if (args['password-stdin']) password = readFileSync(0, 'utf8').replace(/\r?\n$/, '');
    if (!password) throw new Error('login needs a password: --password-stdin (or -p)');
    const credentials = { username: args.username!, password };
    await new RegistryClient(registry, { insecure: isInsecure(args), credentials }).ping();
    // As docker login: a credential helper configured for the registry keeps the secret, not the file.
    const helper = configuredHelper(registry, args.authfile);
    if (helper) helperStore(helper.helper, registry, credentials);
    const where = helper ? `docker-credential-${helper.helper}, named in ${helper.file}` : saveCredentials(registry, credentials, args.authfile);
    if (!args.quiet) process.stdout.write(`Login Succeeded (${registry}, saved in ${where})\n`);
  },
};

export const logoutCommand: CommandModule<GlobalOptions, LoginArgs> = {
  command: 'logout <registry>',
  describe: 'forget the saved credentials for a registry',
  builder: (y) => y.positional('registry', { type: 'string', demandOption: true }),
  handler: (args) => {
    const registry = registryKey(args.registry);
    const helper = configuredHelper(registry, args.authfile);
    const erased = helper ? helperErase(helper.helper, registry) : false;
    if (!removeCredentials(registry, args.authfile) && !erased) throw new Error(`not logged in to ${registry} (${writableAuthFile(args.authfile)})`);
    if (!args.quiet) process.stdout.write(`Removed login credentials for ${registry}\n`);
  },
};
