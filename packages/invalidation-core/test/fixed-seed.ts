// One fast-check seed for every property in this package, so that CI draws the same cases on every
// run (a property that passes on luck cannot fail CI later); FC_SEED=<n> draws others.
import fc from "fast-check";

fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261127) });
