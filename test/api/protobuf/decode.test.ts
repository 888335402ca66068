import { expect } from 'chai';
import { decodeKubernetesProtobuf, decodeProtobufBody, DECODED_KINDS, ProtobufError } from '../../../src/api/protobuf/index.js';
import { ApiError } from '../../../src/api/errors.js';
import { entry, envelope, int, len, loadFixtures, MAGIC, msg } from './pb.js';

function failure(body: Buffer): ProtobufError {
  try {
    decodeKubernetesProtobuf(body);
  } catch (err) {
    expect(err).to.be.instanceOf(ProtobufError);
    expect((err as ProtobufError).code).to.equal('ERR_PROTOBUF');
    return err as ProtobufError;
  }
  throw new Error('expected the body to be refused');
}

const deployment = (...spec: Buffer[]) => envelope('apps/v1', 'Deployment', msg(1, len(1, 'd')), msg(2, ...spec));
// DeploymentSpec.template(3) → PodTemplateSpec.spec(2) → PodSpec.containers(2)
const container = (...fields: Buffer[]) => msg(3, msg(2, msg(2, len(1, 'c'), ...fields)));

describe('Kubernetes protobuf decoding', () => {
  describe('what kubectl 1.32 sends (captured fixtures)', () => {
    // kubectl's --dry-run=client -o json printer adds nothing that the request lacks: kind and
    // apiVersion are in the envelope's typeMeta. So the comparison is exact, key order included.
    for (const f of loadFixtures()) {
      it(`kubectl ${f.args.join(' ')}`, () => {
        const obj = decodeKubernetesProtobuf(f.bytes);
        expect(obj).to.deep.equal(f.json);
        expect(JSON.stringify(obj)).to.equal(JSON.stringify(f.json));
      });
    }
  });

  describe("Go's JSON rules", () => {
    it('writes absent struct values as Go zero structs and omits absent pointers', () => {
      expect(decodeKubernetesProtobuf(envelope('apps/v1', 'Deployment'))).to.deep.equal({
        kind: 'Deployment',
        apiVersion: 'apps/v1',
        metadata: { creationTimestamp: null },
        // selector is a pointer without omitempty, containers a list without omitempty: null in Go.
        spec: { selector: null, template: { metadata: { creationTimestamp: null }, spec: { containers: null } }, strategy: {} },
        status: {},
      });
    });

    it('keeps a pointer that is present even when zero, drops omitempty zeros', () => {
      const obj = decodeKubernetesProtobuf(deployment(int(1, 0), int(5, 0), int(7, false), int(6, 0)));
      expect(obj.spec).to.include({ replicas: 0, revisionHistoryLimit: 0 });
      expect(obj.spec).not.to.have.any.keys('minReadySeconds', 'paused', 'progressDeadlineSeconds');
    });

    it('writes non-omitempty scalars even when zero or absent', () => {
      const obj = decodeKubernetesProtobuf(envelope('v1', 'Pod', msg(2, msg(2, msg(6, int(2, 0))))));
      expect(obj.spec.containers).to.deep.equal([{ name: '', ports: [{ containerPort: 0 }], resources: {} }]);
    });

    it('renders times as RFC 3339 seconds, the zero time as null', () => {
      const meta = (...f: Buffer[]) => decodeKubernetesProtobuf(envelope('v1', 'Namespace', msg(1, ...f))).metadata;
      expect(meta(msg(8, int(1, 1715000000), int(2, 999)))).to.deep.equal({ creationTimestamp: '2024-05-06T12:53:20Z' });
      expect(meta(msg(8, int(1, -62135596800n)))).to.deep.equal({ creationTimestamp: null });
      expect(meta(msg(8))).to.deep.equal({ creationTimestamp: null });
      expect(meta(msg(9, int(1, 0)))).to.deep.equal({ creationTimestamp: null, deletionTimestamp: '1970-01-01T00:00:00Z' });
      expect(failure(envelope('v1', 'Namespace', msg(1, msg(8, int(1, 2n ** 40n))))).message).to.match(/outside years 1-9999/);
    });

    it('turns IntOrString into a number or a string', () => {
      const rollingUpdate = msg(2, msg(1, int(1, 1), len(3, '25%')), msg(2, int(1, 0), int(2, 2)));
      const obj = decodeKubernetesProtobuf(deployment(msg(4, len(1, 'RollingUpdate'), rollingUpdate)));
      expect(obj.spec.strategy).to.deep.equal({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: 2 } });
      expect(failure(deployment(msg(4, msg(2, msg(1, int(1, 2)))))).message).to.match(/IntOrString type 2/);
    });

    it('turns Quantity maps into string maps and bytes into base64', () => {
      const qty = (k: string, v?: string) => msg(1, len(1, k), ...(v === undefined ? [] : [msg(2, len(1, v))]));
      const obj = decodeKubernetesProtobuf(deployment(container(msg(8, qty('cpu', '500m'), qty('memory', '64Mi'), msg(2, len(1, 'cpu'))))));
      expect(obj.spec.template.spec.containers[0].resources).to.deep.equal({ limits: { cpu: '500m', memory: '64Mi' }, requests: { cpu: '0' } });
      const cm = decodeKubernetesProtobuf(envelope('v1', 'ConfigMap', entry(3, 'b', Uint8Array.from([0, 255])), int(4, true)));
      expect(cm).to.deep.include({ immutable: true, binaryData: { b: 'AP8=' } });
    });

    it('merges repeated occurrences of a message, keeps the last scalar and map value', () => {
      const obj = decodeKubernetesProtobuf(
        envelope('v1', 'ConfigMap', msg(1, len(1, 'first'), entry(11, 'a', '1')), msg(1, len(1, 'second'), entry(11, 'b', '2'), entry(11, 'a', '3'))),
      );
      expect(obj.metadata).to.deep.equal({ name: 'second', creationTimestamp: null, labels: { a: '3', b: '2' } });
    });

    it('keeps a map key named __proto__ as data, as JSON.parse does', () => {
      const obj = decodeKubernetesProtobuf(envelope('v1', 'ConfigMap', entry(2, '__proto__', 'x')));
      expect(Object.keys(obj.data as object)).to.deep.equal(['__proto__']);
      expect(obj.data).to.deep.equal(JSON.parse('{"__proto__":"x"}'));
    });

    it('decodes owner references in Go field order', () => {
      const ref = msg(13, len(1, 'ReplicaSet'), len(3, 'rs'), len(4, 'u-1'), len(5, 'apps/v1'), int(6, true));
      const obj = decodeKubernetesProtobuf(envelope('v1', 'Pod', msg(1, len(1, 'p'), ref)));
      expect(JSON.stringify(obj.metadata.ownerReferences)).to.equal('[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"rs","uid":"u-1","controller":true}]');
    });
  });

  describe('refusals', () => {
    it('names an unknown field and its message instead of dropping it (400)', () => {
      const err = failure(deployment(container(msg(10))));
      expect(err.failure).to.equal('unknown-field');
      expect(err.message).to.equal('kemu cannot decode protobuf field 10 of Container; send JSON instead');
      expect(failure(envelope('v1', 'Namespace', msg(1, len(17, 'x')))).message).to.equal('kemu cannot decode protobuf field 17 of ObjectMeta; send JSON instead');
      expect(failure(Buffer.concat([envelope('v1', 'Namespace'), len(9, 'x')])).message).to.match(/field 9 of Unknown/);
    });

    it('refuses kinds it does not decode with the list of those it does (415)', () => {
      const err = failure(envelope('v1', 'Secret', msg(1, len(1, 's'))));
      expect(err.failure).to.equal('unsupported');
      expect(err.message).to.include(DECODED_KINDS).and.include('v1 Secret');
      expect(DECODED_KINDS).to.equal('v1 Namespace, v1 ConfigMap, v1 Service, v1 Pod, apps/v1 Deployment');
      const gz = Buffer.concat([MAGIC, msg(1, len(1, 'v1'), len(2, 'Namespace')), len(3, 'gzip')]);
      expect(failure(gz).failure).to.equal('unsupported');
    });

    it('refuses a body without the k8s prefix, or with a field of the wrong wire type', () => {
      expect(failure(Buffer.from('{"kind":"Namespace"}')).message).to.match(/k8s\\x00 prefix/);
      expect(failure(Buffer.from('k8s')).failure).to.equal('malformed');
      expect(failure(envelope('v1', 'Namespace', int(1, 5))).message).to.match(/field 1 of Namespace has wire type 0, expected 2/);
      expect(failure(envelope('v1', 'Namespace', msg(1, len(7, 'x')))).message).to.match(/field 7 of ObjectMeta has wire type 2, expected 0/);
    });

    it('maps failures to Status errors: 400 BadRequest, 415 UnsupportedMediaType', () => {
      const status = (body: Buffer) => {
        try {
          decodeProtobufBody(body);
        } catch (err) {
          return [(err as ApiError).reason, (err as ApiError).httpCode];
        }
        return undefined;
      };
      expect(status(deployment(container(msg(10))))).to.deep.equal(['BadRequest', 400]);
      expect(status(Buffer.from('k8s'))).to.deep.equal(['BadRequest', 400]);
      expect(status(envelope('v1', 'Secret'))).to.deep.equal(['UnsupportedMediaType', 415]);
      expect(status(envelope('v1', 'Namespace'))).to.equal(undefined);
    });
  });
});
