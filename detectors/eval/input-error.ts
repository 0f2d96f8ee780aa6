// Errors in what users hand to `vigil detect` and `vigil eval`: a code, the place (file:line), one line of reason.
import { type ErrorCode, type UserError } from '../../core/errors.ts';

export class InputError extends Error implements UserError {
  readonly code: ErrorCode;
  readonly where: string;
  constructor(code: ErrorCode, where: string, reason: string) {
    super(reason);
    this.name = 'InputError';
    this.code = code;
    this.where = where;
  }
}
