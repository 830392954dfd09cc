package org.aitbc.coordinator.interfaces.rest;

import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;
import org.eclipse.microprofile.openapi.annotations.OpenAPIDefinition;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeIn;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeType;
import org.eclipse.microprofile.openapi.annotations.info.Info;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.security.SecurityScheme;

/** The API lives at the context root, so the guide's URLs work as printed. */
@ApplicationPath("/")
@OpenAPIDefinition(
        info =
                @Info(
                        title = "AITBC Job Coordinator",
                        version = "1.0",
                        description =
                                "Accepts AI jobs from clients, hands each to exactly one GPU miner, follows it to its end, "
                                        + "and stores and serves its results. Every error answer has the shape "
                                        + "{\"error\": {\"status\", \"code\", \"message\", \"fields\"?}}."),
        security = @SecurityRequirement(name = "apiKey"))
@SecurityScheme(
        securitySchemeName = "apiKey",
        type = SecuritySchemeType.APIKEY,
        in = SecuritySchemeIn.HEADER,
        apiKeyName = "X-Api-Key")
public class CoordinatorApplication extends Application {}
