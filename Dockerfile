# Production image of the AITBC Job Coordinator on the official Open Liberty base image.
#   docker build -t aitbc-coordinator .
#   docker run -p 8000:8000 -e AITBC_ADMIN_KEY=... -v aitbc-data:/opt/ol/wlp/output/defaultServer/data aitbc-coordinator
# Development mode is off: no keys are created or printed; accounts come from the admin API.

# ---- build: the war, the JDBC drivers and the Liberty extension (liberty-ext/) ---------------
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
COPY wire ./wire
COPY cli ./cli
COPY liberty-ext ./liberty-ext
COPY src ./src
COPY bench/pom.xml ./bench/pom.xml
RUN mvn -B -ntp -DskipTests -pl src -am package dependency:copy-dependencies -DincludeScope=provided \
      -DincludeGroupIds=org.apache.derby,org.postgresql -Dmdep.stripVersion=true \
      -DoutputDirectory=/src/target/jdbc

# ---- run -------------------------------------------------------------------------------------
FROM icr.io/appcafe/open-liberty:kernel-slim-java17-openj9-ubi

COPY --chown=1001:0 server.xml /config/server.xml
COPY --chown=1001:0 liberty/jvm.options /config/jvm.options
# The data source fragments server.xml includes by db.kind (derby by default, postgresql for several servers).
COPY --chown=1001:0 liberty/db/ /config/db/
COPY --chown=1001:0 liberty/logging/ /config/logging/
# The project's product extension (usr:aitbcPathGuard-1.0 in server.xml): the build unpacked it
# into target/liberty/wlp/usr/extension. It must be in place before features.sh, which resolves
# every feature server.xml lists.
COPY --chown=1001:0 --from=build /src/target/liberty/wlp/usr/extension/ /opt/ol/wlp/usr/extension/
# Installs only the features server.xml lists.
RUN features.sh

COPY --chown=1001:0 --from=build /src/target/jdbc/ /opt/ol/wlp/usr/shared/resources/jdbc/
COPY --chown=1001:0 --from=build /src/target/aitbc-coordinator.war /config/apps/

ENV AITBC_DEV_MODE=false
# The embedded Derby database and result files live here; mount a volume to keep them.
VOLUME /opt/ol/wlp/output/defaultServer/data
EXPOSE 8000

RUN configure.sh
