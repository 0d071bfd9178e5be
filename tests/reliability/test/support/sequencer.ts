import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Runs the suites in file-name order, so `zz-summary.test.ts` (log scan and the zero checks) runs last. */
export class AlphabeticalSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return [...files].sort((a, b) => a.moduleId.localeCompare(b.moduleId));
  }
}
