// `node --import …/register.mjs`: appends every module URL the process resolves to $CORDON_MODULE_LOG, one a
// line, so a test can tell which packages a command loads. Plain JavaScript: it runs under plain node.
import { register } from 'node:module';
import { env } from 'node:process';

register(import.meta.resolve('./hooks.mjs'), { data: { log: env.CORDON_MODULE_LOG } });
