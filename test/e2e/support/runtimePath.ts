/**
 * The Node-RED under test: NODE_RED_PATH (CI's Node-RED 5 run) or the devDependency. Packages
 * that come with it (its core nodes, ws, semver) are resolved from there.
 */
import path from 'node:path';

export const RUNTIME_DIR = process.env.NODE_RED_PATH ? path.resolve(process.env.NODE_RED_PATH) : path.dirname(require.resolve('node-red/package.json'));

/** a package the runtime depends on, resolved as the runtime resolves it */
export function runtimePackage(name: string): string {
  return require.resolve(name, { paths: [RUNTIME_DIR] });
}

/** the directory of the runtime's core nodes (@node-red/nodes) */
export function coreNodesDir(): string {
  return path.dirname(runtimePackage('@node-red/nodes/package.json'));
}
