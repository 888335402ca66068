/**
 * A listening socket, like net.Server: 'connection' (socket) for every completed handshake,
 * 'listening' once (next tick), 'close' after close(). Half-open connections (SYN-RECEIVED) count
 * against the backlog; a SYN beyond it is dropped, and the client's retransmission tries again.
 */
import { EventEmitter } from 'node:events';
import { formatIpv4 } from '../../net/index.js';
import type { TcpEndpoint } from './endpoint.js';
import type { TcpLayer } from './layer.js';
import { TcpSocket } from './socket.js';

export class TcpServer extends EventEmitter {
  listening = true;
  /** Connections in SYN-RECEIVED. */
  private halfOpen = 0;

  /** @internal Created by TcpLayer.listen. */
  constructor(private readonly layer: TcpLayer, readonly bindAddress: number, readonly port: number, readonly backlog: number) {
    super();
    process.nextTick(() => {
      if (this.listening) this.emit('listening');
    });
  }

  /** Like net.Server.address(). */
  address(): { address: string; family: 'IPv4'; port: number } {
    return { address: formatIpv4(this.bindAddress), family: 'IPv4', port: this.port };
  }

  /** Stops listening: half-open connections are reset; established ones carry on. 'close' follows. */
  close(cb?: () => void): this {
    if (!this.listening) {
      if (cb) process.nextTick(cb);
      return this;
    }
    this.listening = false;
    this.layer.removeListener(this);
    for (const ep of this.layer.endpoints()) {
      if (ep.server === this) ep.run((c, now) => c.abort(now));
    }
    if (cb) this.once('close', cb);
    process.nextTick(() => this.emit('close'));
    return this;
  }

  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }

  /** @internal A SYN arrived: room for one more half-open connection? */
  admitHalfOpen(): boolean {
    if (!this.listening || this.halfOpen >= this.backlog) return false;
    this.halfOpen++;
    return true;
  }

  /** @internal A half-open connection ended without completing. */
  halfOpenGone(): void {
    this.halfOpen--;
  }

  /** @internal The handshake completed: hand the application its socket. */
  accepted(ep: TcpEndpoint): void {
    this.halfOpen--;
    const socket = new TcpSocket(this.layer);
    socket.attach(ep, undefined);
    socket.connecting = false;
    if (this.listening) this.emit('connection', socket);
    else socket.destroy(); // closed between SYN and ACK
  }
}
