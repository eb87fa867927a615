/**
 * Dev-only database plumbing, not part of the service: a real PostgreSQL for {@code quarkus:dev}
 * and the tests on a machine with nothing installed (a container, else an embedded server), found
 * through {@code META-INF/services} by the configuration, never imported by the service's code
 * ({@code LocalDatabaseIsDevOnlyTest} holds it to that). Its libraries are optional dependencies,
 * so the packaged service neither ships nor loads them; production connects to the configured
 * datasource.
 */
package dev.payments.localdb;
