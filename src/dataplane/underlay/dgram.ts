/**
 * The default underlay: every attached device is a real UDP socket on loopback, and an Ethernet
 * frame travels as one datagram whose payload is exactly the frame, from the sender's socket to
 * the receiver's. So the packet plane's traffic is real traffic (visible to `tcpdump -i lo`), and
 * a receiving port checks that a datagram comes from a member of its segment, because any other
 * program on the host can send to a loopback port.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { KemuError } from '../../util/errors.js';
import { parseIpv4 } from '../../net/index.js';
import { ETHERNET_HEADER_LEN } from '../../net/index.js';
import { type AttachOptions, type SegmentOptions, UnderlayPort, UnderlaySegment } from './segment.js';

export interface DgramSegmentOptions extends SegmentOptions {
  /** The loopback address every socket binds to; must be in 127.0.0.0/8. Default 127.0.0.1. */
  address?: string;
  /** SO_RCVBUF/SO_SNDBUF asked for each socket (the kernel caps it at net.core.rmem_max/wmem_max). Default 1 MiB. */
  socketBufferBytes?: number;
}

/** Throws ERR_NOT_LOOPBACK unless `address` is an IPv4 address in 127.0.0.0/8. */
export function assertLoopback(address: string): void {
  const r = parseIpv4(address);
  if (!r.ok || r.value >>> 24 !== 127) {
    throw new KemuError('ERR_NOT_LOOPBACK', `underlay sockets bind to 127.0.0.0/8 only, not ${JSON.stringify(address)}`);
  }
}

export class DgramPort extends UnderlayPort {
  /** @internal */ socket!: Socket;
  /** The loopback address and UDP port the socket is bound to. */
  address = '';
  udpPort = 0;

  protected override wireAddress(): string {
    return `${this.address}:${this.udpPort}`;
  }
}

export class DgramSegment extends UnderlaySegment<DgramPort> {
  readonly kind = 'dgram' as const;
  readonly address: string;
  private readonly bufferBytes: number;
  /** Members by UDP source port: who may send to our sockets. */
  private readonly byUdpPort = new Map<number, DgramPort>();
  private readonly closing = new Set<Promise<void>>();
  /** Binds in progress: close() waits for them, so a socket bound during close is closed too. */
  private readonly binding = new Set<Promise<Socket>>();
  /**
   * dgram resolves the destination of every send through `lookup` (dns.lookup by default, which
   * defers through process.nextTick). Destinations here are always our own literal address, so this
   * answers synchronously — and refuses anything else, a second guard that nothing leaves loopback.
   */
  private readonly lookup = (host: string, _family: unknown, cb: (err: NodeJS.ErrnoException | null, address: string, family: number) => void): void => {
    if (host === this.address) cb(null, host, 4);
    else cb(new KemuError('ERR_NOT_LOOPBACK', `underlay refuses to send to ${host}`), '', 4);
  };

  constructor(name: string, opts: DgramSegmentOptions = {}) {
    super(name, opts);
    this.address = opts.address ?? '127.0.0.1';
    assertLoopback(this.address);
    this.bufferBytes = opts.socketBufferBytes ?? 1 << 20;
  }

  async attach(mac: Uint8Array, opts: AttachOptions = {}): Promise<DgramPort> {
    const key = this.reserve(mac);
    const port = new DgramPort(this, mac, opts.label ?? '');
    let socket: Socket;
    const binding = this.bind();
    this.binding.add(binding);
    try {
      socket = await binding;
    } catch (err) {
      this.unreserve(key);
      throw err;
    } finally {
      this.binding.delete(binding);
    }
    if (this.closed) {
      this.unreserve(key);
      this.closeSocket(socket);
      throw new KemuError('ERR_SEGMENT_CLOSED', `segment ${this.name} closed while attaching`);
    }
    port.socket = socket;
    port.address = this.address;
    port.udpPort = socket.address().port;
    // One listener per socket; the frame goes straight from the 'message' event to the handler.
    socket.on('message', (msg: Buffer, rinfo: RemoteInfo) => this.receive(port, msg, rinfo));
    this.byUdpPort.set(port.udpPort, port);
    this.admit(port);
    return port;
  }

  async close(): Promise<void> {
    this.closeAllPorts();
    await Promise.allSettled([...this.binding]);
    await Promise.all([...this.closing]);
    // 'close' is emitted before libuv has released the handle; one loop turn later it is gone, so a
    // resolved close() really leaves no socket behind.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  protected transmit(from: DgramPort, to: DgramPort, frame: Uint8Array): void {
    // No callback: one would cost a process.nextTick per send, and a datagram the kernel cannot
    // take is simply lost, as on a wire. With the synchronous lookup the datagram reaches the kernel
    // before send() returns (unless the socket buffer is full: then libuv holds `frame` until sent).
    from.socket.send(frame, to.udpPort, this.address);
  }

  protected release(port: DgramPort): void {
    if (this.byUdpPort.get(port.udpPort) === port) this.byUdpPort.delete(port.udpPort);
    if (port.socket !== undefined) this.closeSocket(port.socket);
  }

  private receive(port: DgramPort, msg: Buffer, rinfo: RemoteInfo): void {
    if (rinfo.address !== this.address || !this.byUdpPort.has(rinfo.port)) port.drop('foreign-sender');
    else if (msg.length < ETHERNET_HEADER_LEN) port.drop('malformed');
    // A plain Uint8Array view of the same bytes (no copy): every frame in the stack is then one
    // type, which keeps its property accesses monomorphic, and the stack's many subarrays skip
    // Buffer's species constructor.
    else port.deliver(new Uint8Array(msg.buffer, msg.byteOffset, msg.length));
  }

  private bind(): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = createSocket({
        type: 'udp4',
        lookup: this.lookup,
        recvBufferSize: this.bufferBytes,
        sendBufferSize: this.bufferBytes,
      });
      const onError = (err: Error): void => {
        socket.close();
        reject(err);
      };
      socket.once('error', onError);
      socket.bind({ port: 0, address: this.address, exclusive: true }, () => {
        socket.off('error', onError);
        // Sends have no callback, so errors surface here; a lost datagram is what a wire does.
        socket.on('error', () => {});
        try {
          assertLoopback(socket.address().address);
        } catch (err) {
          this.closeSocket(socket);
          reject(err);
          return;
        }
        resolve(socket);
      });
    });
  }

  private closeSocket(socket: Socket): void {
    const done = new Promise<void>((resolve) => {
      try {
        socket.close(() => resolve());
      } catch {
        resolve(); // already closed
      }
    });
    this.closing.add(done);
    void done.then(() => this.closing.delete(done));
  }
}
