using System.Security.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Modes;
using Org.BouncyCastle.Crypto.Parameters;

namespace KmLab.Twins.ApiManager;

/// <summary>APIM 4.7.0's internal encryption: carbon-kernel's SymmetricKeyInternalCryptoProvider with
/// <c>AES/GCM/NoPadding</c> and the key of <c>[encryption] key</c> (a 64- or 48-character key is hex-decoded, any
/// other is taken as its bytes); a 128-byte IV and a 128-bit tag, kept beside the cipher text in a self-contained
/// JSON. carbon-apimgt stores a Key Manager's masked connector properties as
/// <c>{"encryptedValue": true, "value": "…"}</c> (APIAdminImpl encryptValues / getDecryptedValue). docs/twins.md has
/// the sources.</summary>
internal sealed class InternalCrypto
{
    private const int IvBytes = 128; // SymmetricKeyInternalCryptoProvider.GCM_IV_LENGTH, used as a byte count
    private const int TagBits = 128;
    private readonly byte[] _key;

    private InternalCrypto(byte[] key) => _key = key;

    /// <summary>The key the server starts with: the file's, or — as 4.7.0's start script does when the file has
    /// none — a new random one written into the product's copy of deployment.toml, which the image's entrypoint
    /// overwrites from the config volume at the next start. So a twin without a key gets a new one every start.</summary>
    public static InternalCrypto ForStart(ServerConfig config, TwinLog log)
    {
        if (config.EncryptionKey is { } key)
            return new InternalCrypto(key.Length is 64 or 48 ? Convert.FromHexString(key) : Encoding.UTF8.GetBytes(key));
        log.Info(ApimFacts.EncryptionKeyGenerator, "no [encryption] key in deployment.toml: wrote a new random key into the server's deployment.toml");
        return new InternalCrypto(RandomNumberGenerator.GetBytes(32));
    }

    /// <summary>The stored form of <paramref name="plain"/>.</summary>
    public string Encrypt(string plain)
    {
        var iv = new byte[IvBytes];
        RandomNumberGenerator.Fill(iv.AsSpan(0, 16)); // a time-based UUID's 16 bytes, the rest zero
        var cipher = Cipher(forEncryption: true, iv);
        var input = Encoding.UTF8.GetBytes(plain);
        var output = new byte[cipher.GetOutputSize(input.Length)];
        cipher.DoFinal(output, cipher.ProcessBytes(input, 0, input.Length, output, 0));
        var selfContained = new JsonObject
        {
            ["c"] = Convert.ToBase64String(output), ["t"] = ApimFacts.InternalCipherTransformation, ["iv"] = Convert.ToBase64String(iv),
        }.ToJsonString();
        return new JsonObject
        {
            ["encryptedValue"] = true, ["value"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(selfContained)),
        }.ToJsonString();
    }

    public static bool IsEncrypted(string value) =>
        value.StartsWith('{') && (JsonNode.Parse(value) as JsonObject)?["encryptedValue"]?.GetValue<bool>() == true;

    /// <summary>The plain text, or null when this key cannot open it (GCM's tag does not verify: a CryptoException).</summary>
    public string? TryDecrypt(string stored)
    {
        if (!IsEncrypted(stored)) return stored; // getDecryptedValue returns a value that is no encrypted JSON as it is
        var holder = JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String((string)JsonNode.Parse(stored)!["value"]!)))!;
        var input = Convert.FromBase64String((string)holder["c"]!);
        var cipher = Cipher(forEncryption: false, Convert.FromBase64String((string)holder["iv"]!));
        var output = new byte[cipher.GetOutputSize(input.Length)];
        try
        {
            var length = cipher.ProcessBytes(input, 0, input.Length, output, 0);
            length += cipher.DoFinal(output, length);
            return Encoding.UTF8.GetString(output, 0, length);
        }
        catch (InvalidCipherTextException)
        {
            return null;
        }
    }

    private GcmBlockCipher Cipher(bool forEncryption, byte[] iv)
    {
        var cipher = new GcmBlockCipher(new AesEngine());
        cipher.Init(forEncryption, new AeadParameters(new KeyParameter(_key), TagBits, iv));
        return cipher;
    }
}
