"""SAIMBlock is mmpretrain's ViT layer, with a context and a mask; the speed and memory
settings of the streams compute what the plain blocks compute."""
import pytest
import torch
from mmpretrain.models.backbones.vision_transformer import TransformerEncoderLayer

from mmsaim.models.utils import SAIMBlock, attention_probabilities, draw_permutation
from tests.helpers.models import assert_same_step, build_tiny_saim, step_loss_and_grads, twin

VARIANTS = {
    'plain': dict(),
    'no qkv bias': dict(qkv_bias=False),
    'drop path and dropout (eval)': dict(drop_path_rate=0.3, drop_rate=0.1),
}


@pytest.mark.parametrize('options', VARIANTS.values(), ids=VARIANTS.keys())
def test_block_is_mmpretrains_layer(options):
    """Same parameter names and shapes, and with the same weights the same output."""
    torch.manual_seed(0)
    layer = TransformerEncoderLayer(embed_dims=32, num_heads=4, feedforward_channels=64,
                                    norm_cfg=dict(type='LN', eps=1e-6), **options)
    block = SAIMBlock(32, 4, 64, **options)
    with torch.no_grad():
        for p in layer.parameters():
            p.add_(torch.randn_like(p) * 0.1)  # biases and norms away from their defaults
    block.load_state_dict(layer.state_dict(), strict=True)
    layer.eval(), block.eval()
    x = torch.randn(2, 7, 32)
    torch.testing.assert_close(block(x), layer(x), rtol=1e-5, atol=1e-6)


def test_block_initializes_like_mmpretrains_layer():
    layer = TransformerEncoderLayer(embed_dims=32, num_heads=4, feedforward_channels=64)
    block = SAIMBlock(32, 4, 64)
    torch.manual_seed(0)
    layer.init_weights()
    torch.manual_seed(0)
    block.init_weights()
    for name, value in layer.state_dict().items():
        if name.startswith('ffn.'):  # the rest keeps its construction-time values
            torch.testing.assert_close(block.state_dict()[name], value)


def _attention(block, x, context, mask):
    """Cross-attention written out: the query rows of qkv on x, the key and value rows on
    the context, both through ln1, then the explicit softmax."""
    D, heads = x.shape[-1], block.attn.num_heads
    w, b = block.attn.qkv.weight, block.attn.qkv.bias
    q = torch.nn.functional.linear(block.ln1(x), w[:D], b[:D])
    k, v = torch.nn.functional.linear(block.ln1(context), w[D:], b[D:]).chunk(2, dim=-1)
    q, k, v = (t.unflatten(-1, (heads, -1)).transpose(1, 2) for t in (q, k, v))
    out = (attention_probabilities(q, k, mask) @ v).transpose(1, 2).flatten(2)
    return x + block.attn.proj(out)


def test_cross_attention_under_a_mask_reads_the_context_through_ln1():
    torch.manual_seed(0)
    block = SAIMBlock(32, 4, 64).eval()
    x, context = torch.randn(2, 5, 32), torch.randn(2, 6, 32)
    mask = torch.rand(2, 1, 5, 6) > 0.5
    mask[..., 0] = True  # every query sees something
    block.attn.recorded = []
    out = block(x, context, attn_mask=mask)
    attended = _attention(block, x, context, mask)
    torch.testing.assert_close(out, block.ffn(block.ln2(attended), identity=attended))
    ((kind, probs), ) = block.attn.recorded
    assert kind == 'cross' and probs.shape == (2, 4, 5, 6)
    assert (probs[~mask.expand_as(probs)] == 0).all()


def test_causal_attention_is_the_lower_triangular_mask():
    torch.manual_seed(0)
    block = SAIMBlock(32, 4, 64).eval()
    x = torch.randn(2, 6, 32)
    torch.testing.assert_close(block(x, is_causal=True),
                               block(x, attn_mask=torch.ones(6, 6, dtype=torch.bool).tril()))


def _batch(batch_size=3):
    torch.manual_seed(1)
    return torch.randn(batch_size, 3, 32, 32), draw_permutation('stochastic', batch_size,
                                                                (4, 4))


@pytest.mark.parametrize('every', [1, 2])
@pytest.mark.parametrize('explicit', [False, True])
def test_checkpointed_blocks_give_the_plain_loss_and_gradients(every, explicit):
    torch.manual_seed(0)
    plain = build_tiny_saim(explicit_masks=explicit)
    images, order = _batch()
    expected = step_loss_and_grads(plain, images, order)
    checkpointed = twin(plain, checkpoint_every=every, explicit_masks=explicit)
    assert [b.grad_checkpointing for b in checkpointed.backbone.layers] == [
        i % every == 0 for i in range(4)]
    assert_same_step(expected, step_loss_and_grads(checkpointed, images, order),
                     rtol=0, atol=0)


def test_checkpointed_blocks_replay_drop_path_and_dropout():
    """The backward pass runs a checkpointed block again with the random state of its
    forward pass, so stochastic depth and dropout drop the same paths and units."""
    drop = dict(drop_path_rate=0.3, drop_rate=0.2)
    plain = build_tiny_saim(backbone_kwargs=drop)
    images, order = _batch()
    runs = []
    for model in (plain, twin(plain, checkpoint_every=1, backbone_kwargs=drop)):
        torch.manual_seed(7)
        runs.append(step_loss_and_grads(model, images, order))
    assert_same_step(*runs, rtol=0, atol=0)
    torch.manual_seed(8)
    assert not torch.equal(step_loss_and_grads(plain, images, order)[0], runs[0][0])


def test_compiled_blocks_have_no_graph_breaks_and_match():
    """Regional compilation (inductor, ``fullgraph=True``: a graph break is an error) of the
    plain and the checkpointed block, self- and cross-attention, on a 2-block model."""
    torch._dynamo.reset()
    torch.manual_seed(0)
    plain = build_tiny_saim(depth=2)
    compiled = twin(plain, depth=2, checkpoint_every=2,
                    compile_blocks=dict(fullgraph=True, dynamic=False))
    images, order = _batch()
    for _ in range(2):  # the second step runs the compiled code without compiling
        actual = step_loss_and_grads(compiled, images, order)
    assert_same_step(step_loss_and_grads(plain, images, order), actual)
    torch._dynamo.reset()


def _compiled_graphs(depth):
    """How many graphs one training step of a ``depth``-block model compiles."""
    torch._dynamo.reset()
    torch._dynamo.utils.counters.clear()
    model = build_tiny_saim(depth=depth, compile_blocks=dict(backend='eager', dynamic=False))
    step_loss_and_grads(model, *_batch())
    graphs = torch._dynamo.utils.counters['stats']['unique_graphs']
    torch._dynamo.reset()
    return graphs


def test_one_compilation_serves_every_block():
    """Compiling does not grow with depth: every block of a stream reuses one graph. A
    guard on the block itself, e.g. its id, would recompile block after block and, past
    dynamo's recompile limit, fall back to eager."""
    assert _compiled_graphs(depth=6) == _compiled_graphs(depth=2) > 0


@pytest.mark.parametrize('dtype', [torch.bfloat16, torch.float16])
def test_residual_in_autocast_dtype(dtype):
    """Under autocast the option holds the residual stream in ``dtype``; its gradients'
    error against the fp32 step stays within 1.5x the error autocast already makes with an
    fp32 residual stream (measured: 1.05x-1.35x, see docs/benchmark.md), and the loss
    within two units of ``dtype``'s precision."""
    torch.manual_seed(0)
    plain = build_tiny_saim()
    low = twin(plain, residual_in_autocast_dtype=True)
    images, order = _batch(4)
    with torch.autocast('cpu', dtype=dtype):
        assert low.backbone(images, order)[-1].dtype == dtype
        assert plain.backbone(images, order)[-1].dtype == torch.float32
    reference = step_loss_and_grads(plain, images, order)
    assert_same_step(reference, step_loss_and_grads(low, images, order), rtol=0, atol=0)

    def error(step):
        loss, grads = step
        grad_error = torch.stack([(grads[k] - g).norm()**2 for k, g in reference[1].items()])
        grad_norm = torch.stack([g.norm()**2 for g in reference[1].values()])
        return (loss - reference[0]).abs(), (grad_error.sum() / grad_norm.sum()).sqrt()

    loss_amp, grads_amp = error(step_loss_and_grads(plain, images, order, dtype))
    loss_low, grads_low = error(step_loss_and_grads(low, images, order, dtype))
    assert grads_amp > 0 and grads_low <= 1.5 * grads_amp, (grads_amp, grads_low)
    assert loss_low <= 2 * torch.finfo(dtype).eps * reference[0], (loss_amp, loss_low)


def test_settings_keep_the_parameter_names():
    """Checkpoints written by a plain model load into one with every setting on."""
    plain = build_tiny_saim()
    fast = build_tiny_saim(compile_blocks=True, checkpoint_every=2,
                           residual_in_autocast_dtype=True, explicit_masks=True)
    fast.load_state_dict(plain.state_dict(), strict=True)
    assert fast.state_dict().keys() == plain.state_dict().keys()
    assert not any('context_projs' in key for key in plain.state_dict())


def test_bad_checkpoint_every():
    with pytest.raises(ValueError, match='every k-th block'):
        build_tiny_saim(checkpoint_every=-1)
