/**
 * The one bridge between protobuf-es service descriptions and @grpc/grpc-js:
 * both halves build their service definitions here, so method paths and
 * serialization cannot drift apart.
 */
import { fromBinary, toBinary, type DescMessage, type DescService, type MessageShape } from '@bufbuild/protobuf';
import { makeGenericClientConstructor, type ServiceDefinition } from '@grpc/grpc-js';

/**
 * A grpc-js service definition for a protobuf-es service. Serializers take a
 * message or, already encoded, its bytes (the agent ships outbox chunks as
 * they are stored).
 */
export function grpcServiceDefinition(service: DescService): ServiceDefinition {
  const definition: Record<string, ServiceDefinition[string]> = {};
  for (const method of service.methods) {
    definition[method.localName] = {
      path: `/${service.typeName}/${method.name}`,
      originalName: method.name,
      requestStream: method.methodKind === 'client_streaming' || method.methodKind === 'bidi_streaming',
      responseStream: method.methodKind === 'server_streaming' || method.methodKind === 'bidi_streaming',
      requestSerialize: serializer(method.input),
      requestDeserialize: deserializer(method.input),
      responseSerialize: serializer(method.output),
      responseDeserialize: deserializer(method.output),
    };
  }
  return definition;
}

/** A grpc-js client class for a protobuf-es service. */
export function grpcClientConstructor(service: DescService) {
  return makeGenericClientConstructor(grpcServiceDefinition(service), service.typeName);
}

function serializer<Desc extends DescMessage>(schema: Desc) {
  return (value: MessageShape<Desc> | Uint8Array): Buffer => {
    const bytes = value instanceof Uint8Array ? value : toBinary(schema, value);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
}

function deserializer<Desc extends DescMessage>(schema: Desc) {
  return (bytes: Buffer): MessageShape<Desc> => fromBinary(schema, bytes);
}
