/**
 * One fast-check seed for a whole runner session.
 *
 * Property tests draw new random inputs on every run by default, so one bug shows up as a new
 * counterexample on every save, and a learner cannot tell "the same failure" from "a new one". The
 * runner sets WORKBOOK_FC_SEED once when it starts; every property test of that session then draws
 * the same inputs, and a counterexample changes only when the code does. `npm test` leaves it unset
 * and keeps exploring new inputs.
 */
import fc from 'fast-check';

const seed = process.env.WORKBOOK_FC_SEED;
if (seed !== undefined && /^-?\d+$/.test(seed)) fc.configureGlobal({ ...fc.readConfigureGlobal(), seed: Number(seed) });
