import assert from 'node:assert/strict';
import { splitCommandLine } from '../../lib/watchdog/commandLine';

describe('watchdog reboot command line', () => {
  it('splits words, keeping quoted text literal', () => {
    assert.deepEqual(splitCommandLine('  sudo   /sbin/reboot '), ['sudo', '/sbin/reboot']);
    assert.deepEqual(splitCommandLine(`sh -c 'echo $HOME; rm x' "a \\"b\\" c" d\\ e ''`), ['sh', '-c', 'echo $HOME; rm x', 'a "b" c', 'd e', '']);
    assert.deepEqual(splitCommandLine(''), []);
  });

  it('refuses unbalanced quotes and a trailing backslash', () => {
    assert.throws(() => splitCommandLine(`echo 'oops`), /unclosed ' quote/);
    assert.throws(() => splitCommandLine('echo "oops'), /unclosed " quote/);
    assert.throws(() => splitCommandLine('echo \\'), /lone backslash/);
  });
});
