// The admin console against a server on PGlite (screenshots into test-artifacts/console/).
import { consoleSuite } from './console-suite.ts';

consoleSuite('PGlite', { screenshots: true });
