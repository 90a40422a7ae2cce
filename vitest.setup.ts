// Property tests are deterministic like everything else: fast-check draws from a fixed seed unless
// QB_FC_SEED asks for another (set it to explore new cases locally; a failure prints its seed).
import fc from 'fast-check';

fc.configureGlobal({ seed: Number(process.env.QB_FC_SEED ?? 20261122) });
