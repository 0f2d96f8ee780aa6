// Run-time failures where Prometheus fails the whole query (the rule manager counts them as
// VIGIL_ERR_RULE_EVALUATION_FAILED and goes on with the next rule).
import { ErrorCode } from '../../core/errors.ts';

export class EvaluationError extends Error {
  readonly code = ErrorCode.RULE_EVALUATION_FAILED;
  constructor(message: string) {
    super(message);
    this.name = 'EvaluationError';
  }
}
