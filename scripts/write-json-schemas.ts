// npm run schema — publishes the policy and catalog schemas as JSON Schema files next to their sources,
// for editors (YAML language server) and for IT's own CI. A test fails when they are out of date.
import { writeFileAtomic } from '../policy/atomic-file.ts';
import { publishedSchemas } from '../policy/published-schemas.ts';

for (const { file, json } of publishedSchemas()) {
  writeFileAtomic(file, json);
  console.log(`wrote ${file}`);
}
