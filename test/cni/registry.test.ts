/** BackendRegistry: explicit, filled by the caller, never by importing a module. */
import { expect } from 'chai';
import { BackendRegistry } from '../../src/cni/registry.js';
import { registerFlannelBackends } from '../../src/cni/flannel/index.js';
import { isKemuError } from '../../src/util/errors.js';

describe('cni: BackendRegistry', () => {
  it('starts empty: importing the backends registers nothing', () => {
    expect(new BackendRegistry().types()).to.deep.equal([]);
  });

  it('registerFlannelBackends puts flannel\'s three backends in', () => {
    const r = registerFlannelBackends(new BackendRegistry());
    expect(r.types()).to.deep.equal(['host-gw', 'udp', 'vxlan']);
    expect(r.get('vxlan').type).to.equal('vxlan');
  });

  it('refuses unknown types with flannel\'s message and duplicates', () => {
    const r = registerFlannelBackends(new BackendRegistry());
    try {
      r.get('ipip');
      expect.fail('no error');
    } catch (err) {
      expect(isKemuError(err, 'ERR_UNKNOWN_BACKEND') && err.message).to.equal('unknown backend type: ipip');
    }
    expect(() => registerFlannelBackends(r)).to.throw(/already registered/);
  });
});
