// `cordon policy …`: validate, compile, sign, verify and make keys, for IT's policy-as-code workflow.
import { readFileSync } from 'node:fs';
import {
  builtInCatalog,
  compilePolicy,
  generateSigningKey,
  loadPrivateKey,
  loadPublicKey,
  parsePolicy,
  signBundle,
  verifyBundle,
  BundleError,
  ValidationError,
  writeFileAtomic,
} from '../policy/index.ts';

import { EXIT, parseFlags, UsageError, type Command } from './command.ts';

const USAGE = `cordon policy validate FILE             check a policy (YAML); lists every problem, exit 1 if any
cordon policy compile FILE [--out F]     print the compiled policy (JSON) that agents enforce
cordon policy sign FILE --key KEY [--serial N] [--device ID] [--out F]
                                         compile and sign; writes a signed bundle (JSON)
cordon policy verify BUNDLE --pubkey KEY [--pubkey KEY2 …]
                                         check a signed bundle against pinned public key(s)
cordon policy keygen --out PREFIX        write PREFIX.key (0600) and PREFIX.pub (Ed25519, PEM)`;

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function compileFile(path: string) {
  const catalog = builtInCatalog();
  return compilePolicy(parsePolicy(readText(path), path, catalog), catalog);
}

function output(text: string, out: string | undefined, mode = 0o644): void {
  if (out) writeFileAtomic(out, text, mode);
  else process.stdout.write(text);
}

export const policyCommand: Command = {
  name: 'policy',
  usage: USAGE,
  async run(args) {
    const [sub, ...rest] = args;
    const { values, positionals } = parseFlags(rest, {
      key: { type: 'string' },
      pubkey: { type: 'string', multiple: true },
      out: { type: 'string' },
      serial: { type: 'string' },
      device: { type: 'string' },
    });
    const file = positionals[0];
    try {
      switch (sub) {
        case 'validate': {
          if (!file) throw new UsageError('validate needs a FILE');
          const compiled = compileFile(file);
          const rules = compiled.rules.length;
          process.stdout.write(`${file}: valid — policy "${compiled.policyId}", mode ${compiled.mode}, ${rules} rule${rules === 1 ? '' : 's'}, ${compiled.tools.length} tools\n`);
          return EXIT.ok;
        }
        case 'compile': {
          if (!file) throw new UsageError('compile needs a FILE');
          output(`${JSON.stringify(compileFile(file), null, 2)}\n`, values.out);
          return EXIT.ok;
        }
        case 'sign': {
          if (!file || !values.key) throw new UsageError('sign needs a FILE and --key KEY');
          const serial = values.serial === undefined ? Math.floor(Date.now() / 1000) : Number(values.serial);
          if (!Number.isSafeInteger(serial) || serial < 1) throw new UsageError(`--serial must be a positive integer, got "${values.serial}"`);
          const key = loadPrivateKey(readText(values.key), values.key);
          const bundle = signBundle({ serial, issuedAt: new Date().toISOString(), device: values.device, policy: compileFile(file) }, key);
          output(`${JSON.stringify(bundle, null, 2)}\n`, values.out);
          if (values.out) process.stderr.write(`signed ${file} → ${values.out} (serial ${serial}, key ${bundle.keyId})\n`);
          return EXIT.ok;
        }
        case 'verify': {
          if (!file || !values.pubkey?.length) throw new UsageError('verify needs a BUNDLE and at least one --pubkey KEY');
          const keys = values.pubkey.map((p) => loadPublicKey(readText(p), p));
          const content = verifyBundle(readText(file), keys);
          process.stdout.write(`${file}: signature good — policy "${content.policy.policyId}" serial ${content.serial}, issued ${content.issuedAt}${content.device ? `, for device ${content.device}` : ''}\n`);
          return EXIT.ok;
        }
        case 'keygen': {
          if (!values.out) throw new UsageError('keygen needs --out PREFIX');
          const pair = generateSigningKey();
          writeFileAtomic(`${values.out}.key`, pair.privateKeyPem, 0o600);
          writeFileAtomic(`${values.out}.pub`, pair.publicKeyPem, 0o644);
          process.stdout.write(`wrote ${values.out}.key (private, 0600) and ${values.out}.pub; key id ${pair.keyId}\n`);
          return EXIT.ok;
        }
        default:
          throw new UsageError(sub ? `unknown policy subcommand "${sub}"` : 'missing subcommand');
      }
    } catch (err) {
      if (err instanceof ValidationError) {
        process.stderr.write(`${err.message}\n`);
        return EXIT.failed;
      }
      if (err instanceof BundleError) {
        process.stderr.write(`${file}: REJECTED (${err.reason}): ${err.message}\n`);
        return EXIT.failed;
      }
      throw err;
    }
  },
};
