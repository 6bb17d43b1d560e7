// The API suite against the embedded store (PGlite in a temp data directory).
import { apiSuite } from './api-suite.ts';

apiSuite('PGlite (embedded)', {});
