export { type IngressGatewayOptions } from './ingress';
export { IngressCertificate, type IngressCertificateProps, IssuerRef } from './certificate';
export { IngressRoute, type IngressRouteProps, type IngressPathRoute } from './route';
