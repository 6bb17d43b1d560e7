// Bumped by any change that may alter some device's effective policy; devices compare it with their bundle's.
import type { Queryable } from './database/database.ts';

export async function bumpGeneration(tx: Queryable): Promise<void> {
  await tx.query('UPDATE server_state SET generation = generation + 1 WHERE id = 1');
}
