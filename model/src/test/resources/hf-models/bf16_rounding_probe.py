import sys, json, glob, numpy as np
"""Diagnosis of the bf16 gap (docs/NOTES.md, session 4): a numpy model of transformers' bf16 forward, with
attention rounded as transformers' eager attention rounds it or kept in f32 as Loris' attention does,
against the committed logits_bf16. Needs numpy only: python3 bf16_rounding_probe.py (from this folder's
repository root). Measured: eager rounding reproduces mistral and qwen3 exactly (0.0), llama3 within 0.5%;
f32 attention is 1.5-2.2% off. (qwen2's biases are added after rounding here, unlike cuBLAS's epilogue, so
its figures are not meaningful.)"""
import struct


def load(path):
    b = open(path, 'rb').read()
    n = struct.unpack('<Q', b[:8])[0]
    h = json.loads(b[8:8 + n])
    d = b[8 + n:]
    out = {}
    for k, v in h.items():
        if k == '__metadata__':
            continue
        s, e = v['data_offsets']
        raw = d[s:e]
        if v['dtype'] == 'BF16':
            a = (np.frombuffer(raw, dtype=np.uint16).astype(np.uint32) << 16).view(np.float32)
        elif v['dtype'] == 'F32':
            a = np.frombuffer(raw, dtype=np.float32)
        else:
            a = np.frombuffer(raw, dtype=np.int64)
        out[k] = a.reshape(v['shape'])
    return out


def bf(x):
    x=np.asarray(x,dtype=np.float32); u=x.view(np.uint32).astype(np.uint64)
    r=((u+0x7fff+((u>>16)&1))&0xffff0000).astype(np.uint32); return r.view(np.float32)
def mm(a,b): return bf(a.astype(np.float32)@b.astype(np.float32))   # bf16 GEMM: f32 accumulate, round once
def run(name, hf_attention):
    root='model/src/test/resources/hf-models/'+name
    cfg=json.load(open(root+'/config.json')); W={}
    for f in glob.glob(root+'/model*.safetensors'): W.update(load(f))
    E=load(root+'/expected.safetensors')
    hd=cfg['head_dim']; nh=cfg['num_attention_heads']; nkv=cfg['num_key_value_heads']; eps=cfg['rms_norm_eps']
    rp=cfg['rope_parameters']; theta=rp['rope_theta']
    inv=(1.0/(theta**(np.arange(0,hd,2,dtype=np.int64).astype(np.float32)/hd))).astype(np.float32)
    if rp.get('rope_type')=='llama3':
        f=rp['factor']; lo=rp['low_freq_factor']; hi=rp['high_freq_factor']; om=rp['original_max_position_embeddings']
        wl=2*np.pi/inv; low=om/lo; high=om/hi
        new=np.where(wl>low, inv/f, inv); sm=(om/wl-lo)/(hi-lo); smoothed=(1-sm)*new/f+sm*new
        med=~(wl<high)&~(wl>low); inv=np.where(med,smoothed,new).astype(np.float32)
    ids=E['input_ids'][0]; T=len(ids)
    x=bf(W['model.embed_tokens.weight'][ids])
    def rms(x,w):
        xf=x.astype(np.float32); var=(xf*xf).mean(-1,keepdims=True); h=bf(xf/np.sqrt(var+eps)); return bf(w*h)
    pos=np.arange(T); fr=np.outer(pos,inv).astype(np.float32); emb=np.concatenate([fr,fr],-1); cos=bf(np.cos(emb)); sin=bf(np.sin(emb))
    def rot(x): h=x.shape[-1]//2; return np.concatenate([-x[...,h:],x[...,:h]],-1)
    for l in range(cfg['num_hidden_layers']):
        p=f'model.layers.{l}.'
        h=rms(x,W[p+'input_layernorm.weight'])
        q=mm(h,W[p+'self_attn.q_proj.weight'].T); k=mm(h,W[p+'self_attn.k_proj.weight'].T); v=mm(h,W[p+'self_attn.v_proj.weight'].T)
        if p+'self_attn.q_proj.bias' in W: q=bf(q+W[p+'self_attn.q_proj.bias']); k=bf(k+W[p+'self_attn.k_proj.bias']); v=bf(v+W[p+'self_attn.v_proj.bias'])
        q=q.reshape(T,nh,hd); k=k.reshape(T,nkv,hd); v=v.reshape(T,nkv,hd)
        if p+'self_attn.q_norm.weight' in W: q=rms(q,W[p+'self_attn.q_norm.weight']); k=rms(k,W[p+'self_attn.k_norm.weight'])
        q=bf(bf(q*cos[:,None,:])+bf(rot(q)*sin[:,None,:])); k=bf(bf(k*cos[:,None,:])+bf(rot(k)*sin[:,None,:]))
        out=np.zeros((T,nh,hd),dtype=np.float32)
        for hh in range(nh):
            kv=hh//(nh//nkv)
            if hf_attention:
                s=bf(mm(q[:,hh,:],k[:,kv,:].T)*np.float32(hd**-0.5))
            else:
                s=(q[:,hh,:].astype(np.float32)@k[:,kv,:].T.astype(np.float32))*np.float32(hd**-0.5)
            s=s+np.triu(np.full((T,T),-np.inf,dtype=np.float32),1)
            pr=np.exp(s-s.max(-1,keepdims=True)); pr=pr/pr.sum(-1,keepdims=True)
            out[:,hh,:]=mm(bf(pr),v[:,kv,:]) if hf_attention else bf(pr@v[:,kv,:])
        x=bf(x+mm(out.reshape(T,nh*hd),W[p+'self_attn.o_proj.weight'].T))
        h2=rms(x,W[p+'post_attention_layernorm.weight'])
        g=mm(h2,W[p+'mlp.gate_proj.weight'].T); u=mm(h2,W[p+'mlp.up_proj.weight'].T)
        a=bf(bf(g/(1+np.exp(-g.astype(np.float32))))*u)
        x=bf(x+mm(a,W[p+'mlp.down_proj.weight'].T))
    x=rms(x,W['model.norm.weight'])
    head=W.get('lm_head.weight',W['model.embed_tokens.weight'])
    logits=mm(x,head.T); ref=E['logits_bf16'][0]
    return np.abs(logits-ref).max()/np.abs(ref).max()
for name in ['llama3','mistral','qwen2','qwen3']:
    print(name, 'f32 attention (ours):', round(float(run(name,False)),4), ' HF eager bf16 attention:', round(float(run(name,True)),4))
