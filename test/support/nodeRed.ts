/**
 * node-red-node-test-helper bound to the Node-RED runtime under test: the devDependency
 * (Node-RED 4 on Node 20) or the one in NODE_RED_PATH (CI points it at Node-RED 5 on Node 22).
 */
import helper from 'node-red-node-test-helper';

const runtime = process.env.NODE_RED_PATH ? require.resolve(process.env.NODE_RED_PATH) : require.resolve('node-red');
helper.init(runtime);

export { helper };
