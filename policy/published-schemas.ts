// The JSON Schema documents the repository publishes, generated from the TypeBox schemas the code validates with.
import { fileURLToPath } from 'node:url';
import { CatalogEntrySchema } from './catalog-schema.ts';
import { POLICY_SCHEMA_VERSION, PolicyDocumentSchema } from './policy-schema.ts';

export function publishedSchemas(): { file: string; json: string }[] {
  const doc = (schema: object, id: string, title: string) =>
    `${JSON.stringify({ $schema: 'https://json-schema.org/draft/2020-12/schema', $id: id, title, ...schema }, null, 2)}\n`;
  return [
    {
      file: fileURLToPath(new URL('./policy.schema.json', import.meta.url)),
      json: doc(PolicyDocumentSchema, `https://cordon.dev/schemas/policy-v${POLICY_SCHEMA_VERSION}.json`, 'Cordon policy document'),
    },
    {
      file: fileURLToPath(new URL('./catalog/catalog-entry.schema.json', import.meta.url)),
      json: doc(CatalogEntrySchema, 'https://cordon.dev/schemas/catalog-entry-v1.json', 'Cordon AI-CLI catalog entry'),
    },
  ];
}
