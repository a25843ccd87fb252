import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's Node bundle registers no gradients; the union package's bundle registers them all.
import '@tensorflow/tfjs';
import { SaturnError } from './errors.ts';

/** The tfjs backends saturn can run on, best first. */
export const BACKENDS = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

const INSTALL_HINT: Record<BackendName, string> = {
  'tensorflow-gpu': 'npm install @tensorflow/tfjs-node-gpu (needs CUDA and a reachable libtensorflow download)',
  tensorflow: 'npm install @tensorflow/tfjs-node (needs a reachable libtensorflow download)',
  wasm: 'npm install @tensorflow/tfjs-backend-wasm',
  cpu: 'npm install @tensorflow/tfjs-backend-cpu',
};

/** Loads one backend and makes it current; returns false when it cannot load here. */
async function tryLoad(name: BackendName): Promise<boolean> {
  try {
    switch (name) {
      case 'tensorflow-gpu':
        // Optional dependencies: absent wherever libtensorflow could not be downloaded at install.
        await import('@tensorflow/tfjs-node-gpu' as string);
        return await tf.setBackend('tensorflow');
      case 'tensorflow':
        await import('@tensorflow/tfjs-node' as string);
        return await tf.setBackend('tensorflow');
      case 'wasm':
        await import('@tensorflow/tfjs-backend-wasm');
        return await tf.setBackend('wasm');
      case 'cpu':
        await import('@tensorflow/tfjs-backend-cpu');
        return await tf.setBackend('cpu');
    }
  } catch {
    return false;
  }
}

/** Parses a backend name from a flag or SATURN_BACKEND; undefined means "choose the best". */
export function parseBackendName(value: string | undefined, field = '--backend'): BackendName | undefined {
  if (value === undefined || value === '' || value === 'auto') return undefined;
  if ((BACKENDS as readonly string[]).includes(value)) return value as BackendName;
  throw new SaturnError(`${field}: unknown backend "${value}"; known: auto, ${BACKENDS.join(', ')}`);
}

let chosen: BackendName | undefined;

/**
 * Makes the best loadable backend current (or the forced one, from the argument or
 * SATURN_BACKEND) and returns its name. A forced backend that cannot load is an error naming it
 * and what to install. Idempotent within a process once a backend is chosen.
 */
export async function initBackend(forced?: string): Promise<BackendName> {
  const want = parseBackendName(forced) ?? parseBackendName(process.env.SATURN_BACKEND, 'SATURN_BACKEND');
  if (chosen && (!want || want === chosen)) return chosen;
  if (want) {
    if (!(await tryLoad(want))) {
      throw new SaturnError(`backend "${want}" could not be loaded here; install it with: ${INSTALL_HINT[want]}`);
    }
    await tf.ready();
    return (chosen = want);
  }
  for (const name of BACKENDS) {
    if (await tryLoad(name)) {
      await tf.ready();
      return (chosen = name);
    }
  }
  throw new SaturnError(`no tfjs backend could be loaded; install one with: ${INSTALL_HINT.wasm}`);
}
