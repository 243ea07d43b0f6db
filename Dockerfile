# syntax=docker/dockerfile:1
# The stockroom server as a small, non-root image:
#   docker build -t stockroom .
#   docker run -p 8080:8080 -v stockroom-data:/data stockroom          # SQLite in the volume
# compose.yaml runs it on PostgreSQL. Every setting is an environment variable (Section__Key);
# docs/configuration.md lists them.

# Build: restore first, from the project files alone, so that a change to the code reuses the restore layer.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /source
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/Stockroom.Core/Stockroom.Core.csproj src/Stockroom.Core/
COPY src/Stockroom.Storage/Stockroom.Storage.csproj src/Stockroom.Storage/
COPY src/Stockroom/Stockroom.csproj src/Stockroom/
RUN dotnet restore src/Stockroom/Stockroom.csproj
COPY src/ src/
RUN dotnet publish src/Stockroom/Stockroom.csproj -c Release --no-restore -o /app \
    && mkdir /data

# Run: the chiseled ASP.NET Core runtime has no shell, no package manager and no root user to
# fall back to. Stockroom needs no ICU (it runs with invariant globalization).
FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled AS runtime
WORKDIR /app
COPY --from=build /app ./
# The data folder belongs to the image's unprivileged user (APP_UID, 1654), which has no shell to create it with.
COPY --from=build --chown=1654:1654 /data /data
ENV ASPNETCORE_HTTP_PORTS=8080 \
    ConnectionStrings__Stockroom="Data Source=/data/stockroom.db"
VOLUME /data
EXPOSE 8080
USER $APP_UID
# Exec form: there is no shell to run a command string. The verb asks /health/ready on ASPNETCORE_HTTP_PORTS.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["/app/stockroom", "healthcheck"]
ENTRYPOINT ["/app/stockroom"]
