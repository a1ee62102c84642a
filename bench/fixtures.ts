/**
 * Where the benchmark inputs live: bench/fixtures/ holds the AdmissionReview (a Deployment's pod
 * with 3 containers naming 2 ExternalSecrets, in the shape the API server sends after defaulting),
 * the objects it resolves, and the webhook settings.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (bench/ is one level below it). */
export const ROOT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
/** bench/fixtures/. */
export const FIXTURES_DIR = join(ROOT_DIR, 'bench', 'fixtures');
/** The AdmissionReview the load generator sends. */
export const REVIEW_FILE = join(FIXTURES_DIR, 'admission-review.json');
