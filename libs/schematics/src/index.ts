// The contract of @kit/schematics is its collection (collection.json): `nest g -c @kit/schematics
// <service|gateway|resource>`. The factories and their option types are exported for programmatic
// use (e.g. `externalSchematic` from another collection, or tests).
export { main as service, OPTIONAL_LIBS } from './service/service.factory';
export type { ServiceOptions } from './service/service.options';
export { main as gateway } from './gateway/gateway.factory';
export type { GatewayOptions } from './gateway/gateway.options';
export { main as resource } from './resource/resource.factory';
export type { ResourceOptions } from './resource/resource.options';
export { kitVersions, type KitVersions } from './utils/kit-versions';
export { MAX_NAME_LENGTH } from './utils/names';
