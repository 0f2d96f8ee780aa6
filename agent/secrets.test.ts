import { describe, expect, it } from 'vitest';
import { withEnvPasswords } from './secrets.ts';

describe('withEnvPasswords', () => {
  it('adds password from the named variable to every object that has passwordEnv', () => {
    const options = { targets: [{ name: 'a', passwordEnv: 'PW_A' }, { name: 'b', passwordEnv: 'PW_UNSET' }, { name: 'c' }] };
    expect(withEnvPasswords(options, { PW_A: 'secret' })).toEqual({
      targets: [{ name: 'a', passwordEnv: 'PW_A', password: 'secret' }, { name: 'b', passwordEnv: 'PW_UNSET' }, { name: 'c' }],
    });
    expect(options.targets[0]).not.toHaveProperty('password');
  });
});
