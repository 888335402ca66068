/**
 * The API server's entry into protobuf: a request body in, the equivalent JSON object out, or the
 * Status error kube-apiserver's conventions call for (400 for a broken or undecodable body, 415 for
 * a kind kemu does not decode, so the client knows JSON is the way).
 */
import { ApiError } from '../errors.js';
import { decodeKubernetesProtobuf } from './decode.js';
import { ProtobufError } from './wire.js';

export { decodeKubernetesProtobuf, DECODED_KINDS, PROTOBUF_MEDIA_TYPE } from './decode.js';
export { ProtobufError, type ProtobufFailure } from './wire.js';

export function decodeProtobufBody(body: Uint8Array): unknown {
  try {
    return decodeKubernetesProtobuf(body);
  } catch (err) {
    if (!(err instanceof ProtobufError)) throw err;
    throw new ApiError(err.failure === 'unsupported' ? 'UnsupportedMediaType' : 'BadRequest', err.message);
  }
}
