// Runs TokenStore steps in its own process (so the test controls D-Bus and the Secret Service) and prints JSON.
import { AsyncEntry } from '@napi-rs/keyring';
import { TokenStore } from '../../agent/sync/token-store.ts';

const [stateDir, service, ...steps] = process.argv.slice(2) as [string, string, ...string[]];
const out: Record<string, unknown> = {};
for (const step of steps) {
  const store = await TokenStore.open({ stateDir, service });
  out[`${step}.storage`] = store.storage;
  if (store.fallbackReason) out.fallbackReason = store.fallbackReason;
  if (step === 'save') await store.save({ serverUrl: 'https://cordon.example', deviceId: 'dev-1', token: 'tok-1' });
  if (step === 'load') out.loaded = (await store.load()) ?? null;
  if (step === 'clear') await store.clear();
  if (step === 'raw') out.raw = await new AsyncEntry(service, 'device-token', { linux: { store: 'secret-service' } }).getPassword();
}
process.stdout.write(JSON.stringify(out));
