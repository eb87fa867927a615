package dev.payments.event;

import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

@Schema(name = "EventList")
public record EventList(
        @Schema(description = "The merchant's events, newest first") List<EventResponse> data,
        @Schema(description = "Whether older events follow; pass the last id as starting_after to get them") boolean hasMore) {
}
