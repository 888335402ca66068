import { expect } from 'chai';
import { defaultImagePullPolicy, imageTag } from '../../../src/api/defaults/index.js';

const DIGEST = 'sha256:' + 'a'.repeat(64);

describe('defaults: imagePullPolicy from the image reference', () => {
  const cases: [image: string | undefined, tag: string | undefined, policy: 'Always' | 'IfNotPresent'][] = [
    ['nginx', 'latest', 'Always'],
    ['nginx:latest', 'latest', 'Always'],
    ['nginx:1.27', '1.27', 'IfNotPresent'],
    ['registry.k8s.io/e2e-test-images/agnhost:2.47', '2.47', 'IfNotPresent'],
    ['registry.k8s.io/e2e-test-images/agnhost', 'latest', 'Always'],
    // A registry port is not a tag.
    ['localhost:5000/app', 'latest', 'Always'],
    ['localhost:5000/app:v1', 'v1', 'IfNotPresent'],
    ['[fd00::1]:5000/app:v1', 'v1', 'IfNotPresent'],
    // A digest pins the image: no implied "latest".
    [`busybox@${DIGEST}`, '', 'IfNotPresent'],
    [`busybox:latest@${DIGEST}`, 'latest', 'Always'],
    [`busybox:1.36@${DIGEST}`, '1.36', 'IfNotPresent'],
    // Unparsable references: kube-apiserver ignores the parse error and picks IfNotPresent.
    ['', undefined, 'IfNotPresent'],
    [undefined, undefined, 'IfNotPresent'],
    ['Nginx', undefined, 'IfNotPresent'],
    ['nginx:a:b', undefined, 'IfNotPresent'],
    ['busybox@sha256:abc', undefined, 'IfNotPresent'],
    [`busybox:latest@sha256:${'A'.repeat(64)}`, undefined, 'IfNotPresent'],
    ['a'.repeat(64), undefined, 'IfNotPresent'],
  ];
  for (const [image, tag, policy] of cases) {
    it(`${JSON.stringify(image)} → tag ${JSON.stringify(tag)}, ${policy}`, () => {
      if (image !== undefined) expect(imageTag(image)).to.equal(tag);
      expect(defaultImagePullPolicy(image)).to.equal(policy);
    });
  }
});
