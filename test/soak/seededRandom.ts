export { seededRandom } from '../../lib/sim/seededRandom';
