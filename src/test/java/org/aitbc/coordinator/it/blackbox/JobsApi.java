package org.aitbc.coordinator.it.blackbox;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** The client's job API as a typed JAX-RS interface, for MicroShed's black-box client. */
@Path("/v1/jobs")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public interface JobsApi {
    @POST
    Response submit(@HeaderParam("X-Api-Key") String key, String body);

    @GET
    @Path("{id}")
    Response get(@HeaderParam("X-Api-Key") String key, @PathParam("id") String id);

    @GET
    Response list(@HeaderParam("X-Api-Key") String key, @QueryParam("status") String status);

    @DELETE
    @Path("{id}")
    Response cancel(@HeaderParam("X-Api-Key") String key, @PathParam("id") String id);

    @GET
    @Path("stats")
    Response stats(@HeaderParam("X-Api-Key") String key);
}
