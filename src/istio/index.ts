export { type IngressGatewayOptions } from './ingress';
export { type CertManagerTlsOptions, IngressCertificate, type IngressCertificateProps, IngressTls, IssuerRef } from './certificate';
export { IngressRoute, type IngressRouteProps, type IngressPathRoute } from './route';
