// Preloaded into third-party servers started by tests (`node --import`): whatever address they
// ask for, they listen on 127.0.0.1 only (house rule: no listener beyond loopback in tests).
import { Server } from 'node:net'

type Listen = (this: Server, ...args: unknown[]) => Server
// eslint-disable-next-line @typescript-eslint/unbound-method -- re-bound to each server below
const listen = Server.prototype.listen as Listen
Server.prototype.listen = function (this: Server, ...args: unknown[]): Server {
  const callback = args.find((arg) => typeof arg === 'function')
  if (typeof args[0] === 'number' || typeof args[0] === 'string') {
    return listen.call(this, { port: Number(args[0]), host: '127.0.0.1' }, callback)
  }
  if (typeof args[0] === 'object' && args[0] !== null) {
    return listen.call(this, { ...args[0], host: '127.0.0.1' }, callback)
  }
  return listen.apply(this, args)
} as Server['listen']
