export { Marin3rDiscoveryService, type Marin3rDiscoveryServiceProps } from './discovery-service';
