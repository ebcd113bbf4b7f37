declare module 'fastify' {
  interface FastifyReply {
    /** What a routed call resolved to, for metrics and the request log. */
    routed: RoutedFacts | null;
  }
}

export interface RoutedFacts {
  /** The catalog's canonical id: bounded, unlike the requested string. */
  model: string;
  gpu: string;
  overheadMs?: number;
  /** Streams: time until the first upstream chunk went out to the client. */
  firstByteMs?: number;
  /** The error code when the pool failed the call without a thrown error (relayed 4xx, broken stream). */
  upstreamError?: string;
}
