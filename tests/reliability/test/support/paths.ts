import { fileURLToPath } from 'node:url';

/** The monorepo root (…/billkit). */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
/** Where the run's metrics, secrets registry and captured server logs go; cleared at the start of a run. */
export const RESULTS_DIR = fileURLToPath(new URL('../../.results/', import.meta.url));
export const LOG_DIR = `${RESULTS_DIR}logs/`;
export const METRICS_FILE = `${RESULTS_DIR}metrics.jsonl`;
export const SECRETS_FILE = `${RESULTS_DIR}secrets.jsonl`;
export const API_MAIN = `${REPO_ROOT}apps/api/src/main.ts`;
export const API_DIR = `${REPO_ROOT}apps/api/`;
