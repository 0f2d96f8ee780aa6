import { ErrorCode, type UserError } from '../../core/errors.ts';

/** Unreadable training data: names the file (and line for text files) with a one-line reason. */
export class DataError extends Error implements UserError {
  readonly code = ErrorCode.TRAIN_DATA_INVALID;
  readonly where: string;
  constructor(where: string, reason: string) {
    super(reason);
    this.name = 'DataError';
    this.where = where;
  }
}
