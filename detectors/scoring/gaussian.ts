// Upper tail of the standard normal distribution, Q(z) = P(Z > z), accurate to a relative 1e-7 far
// into the tail (the likelihood stage needs 1e-10, where 1 − Φ(z) computed naively is 0).

/** erfc(x) for x ≥ 0 (Numerical Recipes' Chebyshev fit, relative error < 1.2e-7). */
function erfcPos(x: number): number {
  const t = 1 / (1 + 0.5 * x);
  const y =
    t *
    Math.exp(
      -x * x -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return y;
}

/** P(Z > z) for a standard normal Z. */
export function gaussianTail(z: number): number {
  if (Number.isNaN(z)) return 1;
  const x = z / Math.SQRT2;
  return x >= 0 ? 0.5 * erfcPos(x) : 1 - 0.5 * erfcPos(-x);
}
