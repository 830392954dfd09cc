package org.aitbc.coordinator.interfaces.rest;

import jakarta.ejb.EJB;
import jakarta.enterprise.context.RequestScoped;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.aitbc.coordinator.application.ReceiptService;
import org.aitbc.coordinator.interfaces.mapping.ReceiptViews;
import org.aitbc.coordinator.wire.ReceiptAnswers;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** The public keys that verify receipts: public, so that anyone holding a receipt can check it. */
@Path("/v1/keys")
@RequestScoped
@Public
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "receipts")
public class KeysResource {
    @EJB
    ReceiptService receipts;

    @GET
    @Operation(
            summary = "The coordinator's receipt signing keys",
            description = "{keys: [{key_id, algorithm, public_key, current, created_at}]}: the key signing now "
                    + "first, then every key that signed before (kept, so that old receipts stay verifiable). "
                    + "public_key is X.509 DER in base64; key_id is the SHA-256 (hex) of those bytes.")
    @APIResponse(responseCode = "200", description = "OK")
    public ReceiptAnswers.KeyList keys() {
        return ReceiptViews.of(receipts.keys());
    }
}
